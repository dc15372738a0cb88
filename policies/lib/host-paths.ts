// Host paths as a container runtime resolves them, for matching against allow-lists: `//var/run/../run/docker.sock`
// is `/run/docker.sock`, so that neither a spelling nor a `..` slips past a glob; and the container runtimes'
// API sockets, which a container must never reach.

/** A host path with `.` and `..` resolved and one `/` between segments (`\` too in a Windows path). */
export interface NormalisedPath {
    /** `/run/docker.sock`, `./data`, `../shared`, `~/src`, `C:/logs`, `//./pipe/docker_engine`. */
    readonly path: string;
    /** `..` climbs above `~`, where this path can't say what it reaches: no allow-list matches it. */
    readonly climbsAboveHome: boolean;
}

const windowsPipe = /^[\\/]{2}\.[\\/]pipe[\\/]/i;

/** Normalises a host path as written in a pod's hostPath, a Docker bind mount or a Compose volume. */
export function normaliseHostPath(written: string): NormalisedPath {
    if (windowsPipe.test(written)) {
        return { path: `//./pipe/${written.slice(9).replace(/\\/g, "/")}`, climbsAboveHome: false };
    }
    // A Windows path (a drive, or a UNC share): `\` separates too. A POSIX name may hold `\`: it stays.
    const windows = /^([A-Za-z]:[\\/]|\\\\)/.test(written);
    const text = windows ? written.replace(/\\/g, "/") : written;
    const anchor = /^[A-Za-z]:\//.test(text) ? text.slice(0, 3) : windows ? "//" : text.startsWith("/") ? "/" : text === "~" || text.startsWith("~/") ? "~/" : "./";
    const rest = anchor === "~/" ? text.slice(1) : windows || anchor === "/" ? text.slice(anchor.length) : text;
    const segments: string[] = [];
    let climbsAboveHome = false;
    for (const segment of rest.split("/")) {
        if (segment === "" || segment === ".") {
            continue;
        }
        if (segment !== "..") {
            segments.push(segment);
        } else if (segments.length > 0 && segments[segments.length - 1] !== "..") {
            segments.pop();
        } else if (anchor === "./" || anchor === "~/") {
            // Outside the Compose file's directory (kept, so only a glob that says `..` matches it), or the home directory.
            segments.push("..");
            climbsAboveHome ||= anchor === "~/";
        } // the root's parent is the root
    }
    const joined = segments.join("/");
    if (anchor === "./") {
        return { path: segments[0] === ".." ? joined : joined === "" ? "." : `./${joined}`, climbsAboveHome };
    }
    return { path: anchor === "~/" && joined === "" ? "~" : `${anchor}${joined}`, climbsAboveHome };
}

/** A container runtime's API socket that a path reaches. */
export interface RuntimeSocket {
    /** `Docker`, `containerd`, ... */
    readonly runtime: string;
    /** The socket, when the path is a directory that holds it: `/run/docker.sock` for `/var/run`. */
    readonly within?: string;
}

/** The runtimes' socket file names, wherever they are (rootless runtimes keep them under `$XDG_RUNTIME_DIR`). */
const socketNames: Readonly<Record<string, string>> = {
    "docker.sock": "Docker",
    "containerd.sock": "containerd",
    "containerd.sock.ttrpc": "containerd",
    "crio.sock": "CRI-O",
    "podman.sock": "Podman",
    "cri-dockerd.sock": "cri-dockerd",
    "dockershim.sock": "dockershim",
};

/** Windows named pipes, compared case-insensitively as Windows does. */
const pipeNames: Readonly<Record<string, string>> = {
    docker_engine: "Docker",
    docker_engine_linux: "Docker Desktop",
    docker_engine_windows: "Docker Desktop",
    dockerdesktoplinuxengine: "Docker Desktop",
    "containerd-containerd": "containerd",
};

/** Where the system runtimes put them; a mount of a directory on the way (`/`, `/run`, `/var/run`) reaches them too. */
const systemSockets = [
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/podman/podman.sock",
    "/run/cri-dockerd.sock",
].flatMap(socket => [socket, `/var${socket}`]); // /var/run is a link to /run

/** The runtime socket a normalised path is or holds; undefined when it reaches none. */
export function runtimeSocket({ path }: NormalisedPath): RuntimeSocket | undefined {
    if (path.startsWith("//./pipe/")) {
        const runtime = pipeNames[path.slice(9).toLowerCase()];
        return runtime ? { runtime } : undefined;
    }
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (Object.prototype.hasOwnProperty.call(socketNames, name)) {
        return { runtime: socketNames[name] };
    }
    if (!path.startsWith("/")) {
        return undefined;
    }
    const directory = path === "/" ? "/" : `${path}/`;
    const within = systemSockets.find(socket => socket.startsWith(directory));
    return within ? { runtime: socketNames[within.slice(within.lastIndexOf("/") + 1)], within } : undefined;
}
