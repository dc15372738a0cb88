// What the scan hands the policies: resources shaped as a Pulumi program would hand them to the
// engine (a type token, a name, plain props), each knowing where in the scanned files it is written.
import type { Dialect } from "../policies/lib/dialect";
import { JsonObject } from "../policies/lib/values";
import { Location, PropertyPath } from "./source";

/** What a report says of a resource. */
export interface ResourceSummary {
    /** The type token the policies match on: `kubernetes:apps/v1:Deployment`, `compose:service`, `docker-build:index:Image`. */
    readonly type: string;
    readonly name: string;
    /** How the report names it: `Deployment shop/web`, `Compose service web`. */
    readonly label: string;
    /** Where it starts. */
    readonly at: Location;
    /** The Compose services whose build it is (a build several services share is reported once, for all of them). */
    readonly builtFor?: readonly string[];
}

export interface ScanResource extends ResourceSummary {
    readonly props: JsonObject;
    /** What its file is written in, which the policies' messages speak (policies/lib/dialect.ts). */
    readonly source: Exclude<Dialect, "pulumi">;
    /** Where a property path of `props` is written (its nearest written ancestor when it isn't). */
    locate(path: PropertyPath): Location;
    /** Where line `line` of the Dockerfile it builds is; undefined for resources that build nothing. */
    dockerfileLine?(line: number): Location | undefined;
    /** Where a place a message's first line names that is no property path is (a Compose service's `env_file api.env line 3`). */
    locateWritten?(first: string): Location | undefined;
}

/** An input that could not be read or parsed; the scan goes on without it. */
export interface InputError {
    readonly file: string;
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
}

/** Something worth saying that is not an error: a file skipped, an env_file missing; a warning: a file's bytes not UTF-8, a key written twice. */
export interface Note {
    readonly file: string;
    readonly line?: number;
    readonly column?: number;
    readonly message: string;
    readonly warning?: true;
}
