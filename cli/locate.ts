// Where a finding is written. The pack's messages name the exact property path after the subject
// (`Deployment shop/web, container "api": spec.template.spec.containers[0].securityContext.privileged is true.`,
// lib/policy.ts `render`), or a Dockerfile line (`..., Dockerfile /src/Dockerfile (...) line 7, stage "run": ...`);
// this reads that back and asks the resource where it is written.
import { ScanResource } from "./resource";
import { Location, PropertyPath } from "./source";

/** `a.b[1]["c.d"]` -> `["a", "b", 1, "c.d"]`; undefined when the text is not a property path. */
export function parsePath(text: string): PropertyPath | undefined {
    const path: Array<string | number> = [];
    let i = 0;
    while (i < text.length) {
        if (text[i] === "[" && path.length > 0) {
            const close = text[i + 1] === '"' ? closingQuote(text, i + 1) + 1 : text.indexOf("]", i);
            if (close <= i || text[close] !== "]") {
                return undefined;
            }
            const inner = text.slice(i + 1, close);
            const segment = inner.startsWith('"') ? parseJsonString(inner) : /^\d+$/.test(inner) ? Number(inner) : undefined;
            if (segment === undefined) {
                return undefined;
            }
            path.push(segment);
            i = close + 1;
        } else if (text[i] !== "[") {
            if (path.length > 0) {
                if (text[i] !== ".") {
                    return undefined;
                }
                i++;
            }
            let end = i;
            while (end < text.length && text[end] !== "." && text[end] !== "[") {
                end++;
            }
            const key = text.slice(i, end);
            if (!/^[A-Za-z_][\w-]*$/.test(key)) {
                return undefined;
            }
            path.push(key);
            i = end;
        } else {
            return undefined; // a path starts with a key
        }
    }
    return path.length > 0 ? path : undefined;
}

/** `["a", "b", 1, "c.d"]` -> `a.b[1]["c.d"]`: parsePath's inverse. */
export function formatPath(path: PropertyPath): string {
    return path
        .map((segment, i) => (typeof segment === "number" ? `[${segment}]` : /^[A-Za-z_][\w-]*$/.test(segment) ? `${i > 0 ? "." : ""}${segment}` : `[${JSON.stringify(segment)}]`))
        .join("");
}

/** The index of the quote that closes the JSON string opening at `open`, or -1. */
function closingQuote(text: string, open: number): number {
    for (let i = open + 1; i < text.length; i++) {
        if (text[i] === "\\") {
            i++;
        } else if (text[i] === '"') {
            return i;
        }
    }
    return -1;
}

function parseJsonString(text: string): string | undefined {
    try {
        const value: unknown = JSON.parse(text);
        return typeof value === "string" ? value : undefined;
    } catch {
        return undefined;
    }
}

/** A property path `render` put after the subject's `: `; the first that parses. */
export function messagePath(message: string): PropertyPath | undefined {
    const first = message.split("\n", 1)[0];
    for (let at = first.indexOf(": "); at >= 0; at = first.indexOf(": ", at + 1)) {
        const token = first.slice(at + 2).split(" ", 1)[0];
        const path = parsePath(token);
        if (path) {
            return path;
        }
    }
    return undefined;
}

export function locateFinding(resource: ScanResource, message: string): Location {
    const first = message.split("\n", 1)[0];
    const dockerfileLine = / line (\d+)[,:]/.exec(first);
    const inDockerfile = (dockerfileLine && resource.dockerfileLine?.(Number(dockerfileLine[1]))) || resource.locateWritten?.(first);
    if (inDockerfile) {
        return inDockerfile;
    }
    const path = messagePath(message);
    return path ? resource.locate(path) : resource.at;
}
