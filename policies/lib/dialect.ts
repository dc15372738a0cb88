// The language a finding speaks: the user's own. A Pulumi program gets its fixes in Pulumi
// TypeScript; `container-guard scan` judges the same resources read from files, whose users write
// Kubernetes YAML, Compose YAML or Dockerfiles, and gets fixes in those. The type tokens are the
// same either way (the policies judge a manifest's Deployment as the Kubernetes provider registers
// it), so the scan says which the source is in the validation's stack tags, the one input of a
// validation it controls besides the resource: `container-guard:source`. The workload view and the
// image-build view read it once (workloads.ts, image-builds.ts), and the fix helpers (policy.ts)
// write in it.
import * as path from "path";

export type Dialect = "pulumi" | "kubernetes-manifest" | "compose" | "dockerfile";

/** The stack tag the scan sets; a Pulumi stack doesn't have it (its value, if a stack had one, would only change wording). */
export const sourceTag = "container-guard:source";

const scanDialects: ReadonlySet<string> = new Set<Dialect>(["kubernetes-manifest", "compose", "dockerfile"]);

/** The dialect a validation's stack tags name; Pulumi when they name none. */
export function dialectOf(args: { readonly stackTags?: ReadonlyMap<string, string> }): Dialect {
    const tag = args.stackTags?.get(sourceTag);
    return tag !== undefined && scanDialects.has(tag) ? (tag as Dialect) : "pulumi";
}

/**
 * A scanned file's path as the scan shows it (in its messages and locations alike): relative to the
 * working directory, with `/`; absolute when it is outside it.
 */
export function displayPath(absolute: string): string {
    const relative = path.relative(process.cwd(), absolute);
    return (relative === "" || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative) ? absolute : relative).split(path.sep).join("/");
}

/**
 * How a Compose build's Dockerfile findings name the services that build it: `Compose service web,
 * build`; the scan reports a finding several services' builds share once, as `Compose services web
 * and worker, build`.
 */
export function composeBuildSubject(services: readonly string[]): string {
    const names = services.length > 1 ? `services ${services.slice(0, -1).join(", ")} and ${services[services.length - 1]}` : `service ${services[0]}`;
    return `Compose ${names}, build`;
}
