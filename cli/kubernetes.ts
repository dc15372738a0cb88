// Kubernetes manifests (YAML or JSON, many documents, `List` kinds, `helm template` output) as the
// resources the Kubernetes provider registers: each object under its type token, so the pack's
// own rules judge it. Objects of kinds that run no containers are left out.
import { isObject, JsonObject } from "../policies/lib/values";
import { isWorkloadType } from "../policies/lib/workloads";
import { ScanResource } from "./resource";
import { SourceDocument, SourceNode } from "./source";

/** An object with `apiVersion` and `kind`, as the API server requires. */
export function isKubernetesObject(value: unknown): value is JsonObject {
    return isObject(value) && typeof value.apiVersion === "string" && typeof value.kind === "string";
}

/** `apps/v1` + `Deployment` -> `kubernetes:apps/v1:Deployment`; the core group is `core`. */
export function kubernetesType(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** The workloads of one document; a `List` (`kind: List`, as `kubectl get -o yaml` prints) contributes its items. */
export function kubernetesResources(document: SourceDocument): ScanResource[] {
    const resources: ScanResource[] = [];
    const add = (value: unknown, node: SourceNode | undefined) => {
        if (!isKubernetesObject(value)) {
            return;
        }
        if (value.kind === "List" && Array.isArray(value.items)) {
            value.items.forEach((item, i) => add(item, document.nodeAt(["items", i], node)));
            return;
        }
        const type = kubernetesType(value.apiVersion as string, value.kind as string);
        if (!isWorkloadType(type)) {
            return;
        }
        const metadata = isObject(value.metadata) ? value.metadata : {};
        const name = typeof metadata.name === "string" && metadata.name ? metadata.name : `${value.kind}`;
        const namespace = typeof metadata.namespace === "string" && metadata.namespace ? `${metadata.namespace}/` : "";
        resources.push({
            type,
            name,
            props: value,
            source: "kubernetes-manifest",
            label: `${value.kind} ${namespace}${name}`,
            at: document.locate([], node),
            locate: path => document.locate(path, node),
        });
    };
    add(document.value, document.root);
    return resources;
}
