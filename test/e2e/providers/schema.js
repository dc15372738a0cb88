"use strict";
// Minimal package schemas for the stand-in providers: the resource types the examples
// (and users' programs) declare, each top-level property typed `Any`. Pulumi YAML
// type-checks a program against the provider's schema, so the stand-in must serve one;
// the real schemas aren't available offline. Nested shapes are not modelled: the
// policy pack, not the schema, is what these tests exercise.
const fs = require("fs");
const path = require("path");

const DEFAULT_VERSIONS = { kubernetes: "4.34.2", docker: "5.2.0", "docker-build": "0.0.22" };

function versionFor(pkg) {
    if (process.env[`CG_STANDIN_VERSION_${pkg.replace(/-/g, "_").toUpperCase()}`]) {
        return process.env[`CG_STANDIN_VERSION_${pkg.replace(/-/g, "_").toUpperCase()}`];
    }
    const roots = [process.env.CG_PULUMI_NODE_MODULES, path.resolve(__dirname, "../../../node_modules")];
    for (const root of roots.filter(Boolean)) {
        try {
            const pj = JSON.parse(fs.readFileSync(path.join(root, "@pulumi", pkg, "package.json"), "utf8"));
            const v = (pj.pulumi && pj.pulumi.version) || pj.version;
            if (v) return v.replace(/^v/, "");
        } catch (_) { /* not installed */ }
    }
    return DEFAULT_VERSIONS[pkg] || "1.0.0";
}

const K8S_WORKLOADS = {
    "core/v1": ["Pod", "PodTemplate", "ReplicationController"],
    "apps/v1": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
    "batch/v1": ["Job", "CronJob"],
};

const RESOURCES = {
    kubernetes() {
        const out = {};
        for (const [gv, kinds] of Object.entries(K8S_WORKLOADS)) {
            for (const kind of kinds) {
                out[`kubernetes:${gv}:${kind}`] = ["apiVersion", "kind", "metadata", "spec", "template"];
                out[`kubernetes:${gv}:${kind}Patch`] = ["apiVersion", "kind", "metadata", "spec", "template"];
            }
        }
        out["kubernetes:core/v1:Namespace"] = ["apiVersion", "kind", "metadata", "spec"];
        out["kubernetes:core/v1:Secret"] = ["apiVersion", "kind", "metadata", "data", "stringData", "type", "immutable"];
        out["kubernetes:core/v1:ConfigMap"] = ["apiVersion", "kind", "metadata", "data", "binaryData", "immutable"];
        out["kubernetes:core/v1:Service"] = ["apiVersion", "kind", "metadata", "spec"];
        out["kubernetes:networking.k8s.io/v1:Ingress"] = ["apiVersion", "kind", "metadata", "spec"];
        return out;
    },
    docker() {
        return {
            "docker:index/container:Container": [
                "name", "image", "command", "entrypoints", "envs", "labels", "readOnly", "privileged",
                "capabilities", "pidMode", "ipcMode", "networkMode", "ulimits", "user", "volumes", "mounts",
                "ports", "restart", "securityOpts", "tmpfs", "memory", "cpuShares", "rm", "mustRun",
                "workingDir", "hostname", "sysctls", "uploads", "healthcheck", "init", "runtime", "devices", "usernsMode", "networksAdvanced",
            ],
            "docker:index/service:Service": ["name", "taskSpec", "mode", "labels", "endpointSpec", "updateConfig", "rollbackConfig", "auth", "convergeConfig"],
            "docker:index/image:Image": ["imageName", "build", "registry", "skipPush", "buildOnPreview"],
            "docker:index/remoteImage:RemoteImage": ["name", "build", "keepLocally", "forceRemove", "platform", "pullTriggers", "triggers"],
            "docker:index/network:Network": ["name", "driver", "internal", "labels"],
            "docker:index/volume:Volume": ["name", "driver", "labels"],
        };
    },
    "docker-build"() {
        return {
            "docker-build:index:Image": [
                "push", "tags", "context", "dockerfile", "buildArgs", "target", "platforms", "exports",
                "cacheFrom", "cacheTo", "labels", "load", "noCache", "pull", "secrets", "ssh", "buildOnPreview",
                "builder", "network", "registries", "addHosts", "exec",
            ],
        };
    },
};

const ANY = { $ref: "pulumi.json#/Any" };

function schemaFor(pkg, version) {
    const resources = {};
    const make = RESOURCES[pkg] || (() => ({}));
    for (const [token, props] of Object.entries(make())) {
        const properties = {};
        for (const p of props) properties[p] = ANY;
        resources[token] = {
            description: `stand-in for ${token}`,
            inputProperties: properties,
            properties,
        };
    }
    return {
        name: pkg,
        version,
        description: `stand-in ${pkg} provider for container-guard's engine tests`,
        meta: { moduleFormat: pkg === "kubernetes" ? "(.*)" : "(.*)(?:/[^/]*)" },
        config: {},
        provider: { description: "stand-in provider", inputProperties: {}, properties: {} },
        resources,
    };
}

// What the real providers add during Check, so the pack sees realistic inputs:
// the Kubernetes SDKs set apiVersion/kind; the terraform-bridged Docker provider
// fills `readOnly` / `privileged` with false when unset.
function checkDefaults(pkg, urn, news) {
    const inputs = Object.assign({}, news);
    const type = String(urn).split("::")[2] || "";
    const token = type.split("$").pop();
    if (pkg === "kubernetes") {
        const m = /^kubernetes:([^:]+):(.+?)(Patch)?$/.exec(token);
        if (m) {
            const gv = m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1];
            if (inputs.apiVersion === undefined) inputs.apiVersion = gv;
            if (inputs.kind === undefined) inputs.kind = m[2];
        }
    } else if (pkg === "docker" && token === "docker:index/container:Container") {
        if (inputs.readOnly === undefined) inputs.readOnly = false;
        if (inputs.privileged === undefined) inputs.privileged = false;
    }
    return inputs;
}

module.exports = { schemaFor, versionFor, checkDefaults, DEFAULT_VERSIONS };
