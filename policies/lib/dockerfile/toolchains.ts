// Toolchain detection: the build toolchains (compilers, build systems, SDKs, `-dev` packages) the
// RUN lines of a shipped stage's lineage install with a package manager and don't remove, read from
// the shell scripts by splitting them into simple commands (no regular expression, linear time).
import { nameEnd } from "./expand";
import { Stage } from "./lines";
import { Lineage } from "./stages";

export interface ToolchainInstall {
    readonly stage: Stage;
    readonly line: number;
    /** `apt-get`, `apk`, ... */
    readonly manager: string;
    /** Its install command: `install`, `add`. */
    readonly verb: string;
    /** Normalised package names still installed in the shipped image. */
    readonly packages: readonly string[];
}

interface PackageManager {
    install: string[];
    remove: string[];
    /** Options that take the next word as their value (unless written `--opt=value`). */
    valueOptions: string[];
    /** Options naming a virtual package that groups the ones installed (apk `--virtual`). */
    groupOptions?: string[];
}

const apt: PackageManager = {
    install: ["install"],
    remove: ["remove", "purge"],
    valueOptions: ["-o", "--option", "-t", "--target-release", "-c", "--config-file"],
};
const rpm: PackageManager = {
    install: ["install", "groupinstall"],
    remove: ["remove", "erase", "groupremove"],
    valueOptions: ["--installroot", "--releasever", "--setopt", "-c", "--config", "--repo", "--enablerepo", "--disablerepo", "-x", "--exclude"],
};
const packageManagers: Record<string, PackageManager> = {
    "apt-get": apt,
    apt,
    aptitude: apt,
    apk: {
        install: ["add"],
        remove: ["del"],
        valueOptions: ["--virtual", "-t", "--repository", "-X", "--root", "-p", "--arch", "--cache-dir", "--keys-dir"],
        groupOptions: ["--virtual", "-t"],
    },
    yum: rpm,
    dnf: rpm,
    microdnf: rpm,
    tdnf: rpm,
    zypper: { install: ["install", "in"], remove: ["remove", "rm"], valueOptions: ["-r", "--repo", "-t", "--type"] },
};

/** Compilers, build systems, SDKs and meta-packages (after their version suffix is dropped). */
const toolchainPackages = new Set([
    "gcc", "g++", "gcc-c++", "c++", "cpp", "cc", "clang", "clang++", "llvm", "lld", "gfortran", "gcc-gfortran",
    "make", "cmake", "meson", "ninja", "ninja-build", "autoconf", "automake", "libtool", "bison", "flex",
    "pkg-config", "pkgconf", "pkgconfig", "binutils", "nasm", "yasm", "ccache",
    "build-essential", "build-base", "alpine-sdk", "linux-headers", "kernel-headers",
    "go", "golang", "rust", "rustc", "cargo", "development-tools", "c-development",
]);
const toolchainSuffixes = ["-dev", "-devel", "-sdk", "-jdk", "-jdk-headless"];
const rpmArchitectures = [".x86_64", ".aarch64", ".noarch", ".i686", ".armv7hl", ".ppc64le", ".s390x"];

/** `gcc-12` -> `gcc`, `gcc-11.3.1-4.el9` -> `gcc`, `llvm15` -> `llvm`. */
function withoutVersion(name: string): string {
    const parts = name.split("-");
    while (parts.length > 1 && parts[parts.length - 1][0] >= "0" && parts[parts.length - 1][0] <= "9") {
        parts.pop();
    }
    const base = parts.join("-");
    let end = base.length;
    while (end > 1 && ((base[end - 1] >= "0" && base[end - 1] <= "9") || base[end - 1] === ".")) {
        end--;
    }
    return base.slice(0, end);
}

export function isToolchainPackage(name: string): boolean {
    const base = withoutVersion(name);
    return (
        toolchainPackages.has(base) ||
        base.startsWith("golang") ||
        toolchainSuffixes.some(suffix => name.endsWith(suffix) || base.endsWith(suffix))
    );
}

/**
 * The package a word names: lower-case, without apt/apk version pins (`=`, `~`, `<`, `>`), apt
 * release (`/bookworm`) or architecture (`:amd64`), rpm architecture (`.x86_64`) or dnf group `@`.
 * Undefined for words built from variables or globs, whose packages can't be known here.
 */
function packageName(word: string): string | undefined {
    if (word.includes("$") || word.includes("*") || word.startsWith("/") || word.startsWith("./") || word.startsWith("../")) {
        return undefined; // variables, globs and local package files
    }
    let name = (word.startsWith("@") ? word.slice(1) : word).toLowerCase().split(" ").join("-");
    for (let i = 0; i < name.length; i++) {
        if ("=~<>/:".includes(name[i])) {
            name = name.slice(0, i);
            break;
        }
    }
    const arch = rpmArchitectures.find(a => name.endsWith(a));
    name = arch ? name.slice(0, -arch.length) : name;
    return name || undefined;
}

interface PackageOperation {
    manager: string;
    verb: string;
    action: "install" | "remove";
    packages: string[];
    /** apk `--virtual <name>`: a name that `apk del` later removes the packages by. */
    group?: string;
}

/** Words before the program that don't change which program runs. */
const prefixWords = new Set(["sudo", "env", "command", "exec", "nice", "nohup", "time", "then", "do", "else", "elif", "if", "while", "until", "!", "{", "}"]);
const shells = new Set(["sh", "bash", "ash", "dash", "zsh"]);
const maxShellNesting = 3;

function isAssignment(word: string): boolean {
    const end = nameEnd(word, 0);
    return end > 0 && word[end] === "=";
}

function packageOperations(words: readonly string[], nesting: number, out: PackageOperation[]): void {
    let start = 0;
    while (start < words.length && (prefixWords.has(words[start]) || isAssignment(words[start]) || words[start].startsWith("-"))) {
        start++;
    }
    if (start >= words.length) {
        return;
    }
    const program = words[start].slice(words[start].lastIndexOf("/") + 1);
    const args = words.slice(start + 1);
    if (shells.has(program)) {
        const script = args.indexOf("-c");
        if (script >= 0 && script + 1 < args.length && nesting < maxShellNesting) {
            splitShellCommands(args[script + 1]).forEach(command => packageOperations(command, nesting + 1, out));
        }
        return;
    }
    const manager = packageManagers[program];
    if (!manager) {
        return;
    }
    const positional: string[] = [];
    let group: string | undefined;
    for (let i = 0; i < args.length; i++) {
        if (!args[i].startsWith("-")) {
            positional.push(args[i]);
            continue;
        }
        const equals = args[i].indexOf("=");
        const option = equals >= 0 ? args[i].slice(0, equals) : args[i];
        if (manager.valueOptions.includes(option)) {
            const value = equals >= 0 ? args[i].slice(equals + 1) : args[++i];
            group = manager.groupOptions?.includes(option) ? value : group;
        }
    }
    // dnf/yum `group install "Development Tools"` is `groupinstall`.
    const grouped = (positional[0] === "group" || positional[0] === "groups") && positional.length > 1;
    const command = grouped ? `group${positional[1]}` : positional[0];
    const names = positional.slice(grouped ? 2 : 1);
    const action = manager.install.includes(command) ? "install" : manager.remove.includes(command) ? "remove" : undefined;
    if (action) {
        const packages = names.map(packageName).filter((name): name is string => name !== undefined);
        out.push({ manager: program, verb: command, action, packages, group: group && packageName(group) });
    }
}

/**
 * Splits a shell script into simple commands (lists of words): quotes and backslashes resolved,
 * comments and redirections dropped, commands separated by newlines, `;`, `&`, `|` and parentheses.
 * One pass, no backtracking. It doesn't run anything, so `$(...)` and globs stay as written.
 */
export function splitShellCommands(script: string): string[][] {
    const commands: string[][] = [];
    let words: string[] = [];
    let word = "";
    let inWord = false;
    let dropNextWord = false;
    const endWord = () => {
        if (inWord && !dropNextWord) {
            words.push(word);
        }
        if (inWord) {
            dropNextWord = false;
        }
        word = "";
        inWord = false;
    };
    const endCommand = () => {
        endWord();
        if (words.length > 0) {
            commands.push(words);
        }
        words = [];
    };
    for (let i = 0; i < script.length; i++) {
        const c = script[i];
        if (c === "\\") {
            if (script[i + 1] !== "\n") {
                word += script[i + 1] ?? "";
                inWord = true;
            }
            i++;
        } else if (c === "'") {
            const close = script.indexOf("'", i + 1);
            const end = close < 0 ? script.length : close;
            word += script.slice(i + 1, end);
            inWord = true;
            i = end;
        } else if (c === '"') {
            let j = i + 1;
            for (; j < script.length && script[j] !== '"'; j++) {
                if (script[j] === "\\" && j + 1 < script.length && '"\\$`'.includes(script[j + 1])) {
                    j++;
                }
                word += script[j];
            }
            inWord = true;
            i = j;
        } else if (c === "#" && !inWord) {
            const newline = script.indexOf("\n", i);
            i = (newline < 0 ? script.length : newline) - 1;
        } else if (c === ">" || c === "<") {
            // A redirection: drop its file descriptor (`2>`) and its target (`/dev/null`, `&1`, a heredoc word).
            if (inWord && [...word].every(d => d >= "0" && d <= "9")) {
                word = "";
                inWord = false;
            }
            endWord();
            while (i + 1 < script.length && (script[i + 1] === ">" || script[i + 1] === "<" || script[i + 1] === "&" || script[i + 1] === "|" || script[i + 1] === "-")) {
                i++;
            }
            dropNextWord = true;
        } else if (c === " " || c === "\t" || c === "\r") {
            endWord();
        } else if (c === "\n" || c === ";" || c === "&" || c === "|" || c === "(" || c === ")") {
            endCommand();
            dropNextWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    endCommand();
    return commands;
}

/**
 * Build toolchains the shipped image still holds: packages its lineage's RUN lines install (root
 * stage first) and don't remove later (`apt-get purge`, `apk del` of the package or of its
 * `--virtual` group, `dnf remove`).
 */
export function toolchainInstalls(lineage: Lineage): ToolchainInstall[] {
    const installs: Array<ToolchainInstall & { packages: string[] }> = [];
    const groups = new Map<string, string[]>();
    for (const stage of [...lineage.stages].reverse()) {
        for (const run of stage.runs) {
            const operations: PackageOperation[] = [];
            const commands = run.argv ? [run.argv] : splitShellCommands(run.script);
            commands.forEach(command => packageOperations(command, 0, operations));
            for (const operation of operations) {
                if (operation.action === "install") {
                    const toolchain = operation.packages.filter(isToolchainPackage);
                    if (operation.group) {
                        groups.set(operation.group, toolchain);
                    }
                    const sameRun = installs.find(i => i.stage === stage && i.line === run.line && i.manager === operation.manager);
                    if (sameRun) {
                        sameRun.packages = [...sameRun.packages, ...toolchain];
                    } else if (toolchain.length > 0) {
                        installs.push({ stage, line: run.line, manager: operation.manager, verb: operation.verb, packages: toolchain });
                    }
                } else {
                    const removed = new Set(operation.packages.flatMap(name => [name, ...(groups.get(name) ?? [])]));
                    for (const install of installs) {
                        install.packages = install.packages.filter(name => !removed.has(name));
                    }
                }
            }
        }
    }
    return installs.filter(install => install.packages.length > 0);
}
