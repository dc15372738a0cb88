// The resources the bench feeds the pack: what a Pulumi program hands the engine for Kubernetes
// workloads, Docker containers and services, image builds, and the non-container resources
// around them. Deterministic (a function of the index), and varied per index so that no two
// resources are the same objects or strings.
import * as fs from "fs";
import * as path from "path";

export interface Resource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
}

function resource(type: string, name: string, props: Record<string, unknown>): Resource {
    return { type, name, urn: `urn:pulumi:prod::shop::${type}::${name}`, props };
}

/**
 * Ten env vars: settings, a ConfigMap and a Secret reference, and every 8th container a literal
 * password; in a compliant container, the secret is a file the app reads instead.
 */
function env(i: number, c: number, compliant: boolean): object[] {
    return [
        { name: "LOG_LEVEL", value: c % 2 ? "info" : "debug" },
        { name: "PORT", value: String(8080 + c) },
        { name: "NODE_ENV", value: "production" },
        { name: "DATABASE_URL", value: `postgres://db-${i % 7}.shop.svc:5432/orders` },
        { name: "JAVA_OPTS", value: "-Xms256m -Xmx512m -XX:+UseG1GC" },
        { name: "FEATURE_FLAGS", value: `checkout-v2,search-${i % 5},recommendations` },
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "CACHE_TTL", valueFrom: { configMapKeyRef: { name: `web-${i}-config`, key: "cacheTtl" } } },
        compliant ? { name: "API_TOKEN_FILE", value: "/etc/tls/api-token" } : { name: "API_TOKEN", valueFrom: { secretKeyRef: { name: `web-${i}-secrets`, key: "apiToken" } } },
        (i + c) % 8 === 0 && !compliant ? { name: "REDIS_PASSWORD", value: `hunter2-${i}` } : { name: "REDIS_HOST", value: `redis-${i % 3}.shop.svc` },
    ];
}

/** A container as teams write them; `hardened` ones pass rules 1, 3, 4 and 6, `compliant` ones every rule. */
function container(i: number, c: number, name: string, hardened: boolean, compliant: boolean): object {
    return {
        name,
        image: `registry.example.com/shop/${name}:1.${i % 40}.${c}`,
        imagePullPolicy: "IfNotPresent",
        args: ["--config", "/etc/app/config.yaml", `--shard=${i % 16}`],
        ports: [{ name: "http", containerPort: 8080 + c, protocol: "TCP" }],
        env: env(i, c, compliant),
        envFrom: [{ configMapRef: { name: `web-${i}-env` } }],
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        volumeMounts: [
            { name: "config", mountPath: "/etc/app", readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
            { name: "tls", mountPath: "/etc/tls", readOnly: true },
        ],
        readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/livez", port: "http" }, initialDelaySeconds: 15 },
        securityContext: hardened || compliant
            ? { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } }
            : { runAsNonRoot: true, capabilities: { add: ["NET_ADMIN"] } },
    };
}

function metadata(i: number, kind: string): object {
    return {
        name: `${kind}-${i}`,
        namespace: `team-${i % 9}`,
        labels: { "app.kubernetes.io/name": `${kind}-${i}`, "app.kubernetes.io/part-of": "shop" },
        annotations: { "pulumi.com/skipAwait": "false" },
    };
}

/**
 * A pod spec with `containers` app containers (the first of each three hardened), an init
 * container and three volumes; `compliant`, every container passes every rule.
 */
export function podSpec(i: number, containers: number, compliant = false): object {
    const names = ["api", "worker", "metrics-sidecar"];
    return {
        serviceAccountName: `web-${i}`,
        securityContext: { runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
        initContainers: [container(i, containers, "migrate", false, compliant)],
        containers: Array.from({ length: containers }, (_, c) => container(i, c, c < 3 ? names[c] : `worker-${c}`, c % 3 === 0, compliant)),
        volumes: [
            { name: "config", configMap: { name: `web-${i}-config` } },
            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
            { name: "tls", secret: { secretName: `web-${i}-tls` } },
        ],
        nodeSelector: { "kubernetes.io/os": "linux" },
        tolerations: [{ key: "dedicated", operator: "Equal", value: "shop", effect: "NoSchedule" }],
    };
}

function template(i: number, containers: number, compliant = false): object {
    return { metadata: { labels: { app: `web-${i}` }, annotations: { "prometheus.io/scrape": "true" } }, spec: podSpec(i, containers, compliant) };
}

/**
 * The Deployment of the gRPC figure: three containers (two app containers and an init container),
 * env, volumes. As teams write them before hardening, it breaks several rules; `compliant`, none.
 */
export function deployment(i: number, containers = 2, compliant = false): Resource {
    return resource("kubernetes:apps/v1:Deployment", `web-${i}`, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: metadata(i, "web"),
        spec: { replicas: 3, selector: { matchLabels: { app: `web-${i}` } }, strategy: { type: "RollingUpdate" }, template: template(i, containers, compliant) },
    });
}

/**
 * Resource i's Dockerfile: multi-stage or not, every other cycle of kinds, and its own text (each
 * image has its own Dockerfile, so nothing parsed for one build serves another).
 */
function dockerfile(i: number): string {
    const release = `ARG RELEASE=r${i}`;
    const multiStage = Math.floor(i / 20) % 2 === 0;
    const lines = multiStage
        ? [
              "# syntax=docker/dockerfile:1",
              release,
              "ARG GO_VERSION=1.22",
              "FROM golang:${GO_VERSION} AS build",
              "WORKDIR /src",
              "COPY go.mod go.sum ./",
              "RUN go mod download",
              "COPY . .",
              "RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app",
              "FROM gcr.io/distroless/static-debian12 AS runtime",
              "COPY --from=build /out/app /app",
              "USER 65532:65532",
              'ENTRYPOINT ["/app"]',
          ]
        : [
              release,
              "FROM node:20",
              "WORKDIR /app",
              "RUN apt-get update && apt-get install -y build-essential python3 && rm -rf /var/lib/apt/lists/*",
              "COPY package*.json ./",
              "RUN npm ci",
              "COPY . .",
              "RUN npm run build",
              'CMD ["node", "dist/index.js"]',
          ];
    return lines.join("\n");
}

/** Resource i's build context, a directory of its own (absolute, as `path.join(__dirname, ...)` gives). */
function buildContext(contexts: string, i: number): string {
    return path.join(contexts, `image-${i}`);
}

/** Where in each cycle of 20 kinds `mixedResource` puts the image builds that read a Dockerfile from disk. */
const dockerImageSlot = 13;
const remoteImageSlot = 15;

/** Writes resource i's Dockerfile into its build context under `dir`; returns `dir`. */
function writeBuildContext(dir: string, i: number): string {
    fs.mkdirSync(buildContext(dir, i), { recursive: true });
    fs.writeFileSync(path.join(buildContext(dir, i), "Dockerfile"), dockerfile(i));
    return dir;
}

/** Writes the Dockerfiles of the first `count` mixed resources' file-based image builds under `dir`; returns `dir`. */
export function writeBuildContexts(dir: string, count: number): string {
    for (let i = 0; i < count; i++) {
        if (i % 20 === dockerImageSlot || i % 20 === remoteImageSlot) {
            writeBuildContext(dir, i);
        }
    }
    return dir;
}

/** The Dockerfile an image build of the mix reads from disk (docker.Image, docker.RemoteImage), if any. */
export function dockerfileOnDisk(resource: Resource): string | undefined {
    const build = resource.props.build as { context?: string; dockerfile?: string } | undefined;
    return build?.dockerfile ?? (build?.context ? path.join(build.context, "Dockerfile") : undefined);
}

function dockerContainer(i: number, hardened: boolean): Resource {
    return resource("docker:index/container:Container", `cache-${i}`, {
        name: `cache-${i}`,
        image: `redis:7.${i % 4}-alpine`,
        restart: "unless-stopped",
        readOnly: hardened,
        privileged: false,
        capabilities: hardened ? { drops: ["ALL"], adds: ["NET_BIND_SERVICE"] } : { adds: ["SYS_ADMIN"] },
        envs: ["REDIS_PORT=6379", `REDIS_MAXMEMORY=${64 + (i % 8)}mb`, hardened ? "REDIS_PASSWORD_FILE=/run/secrets/redis" : `REDIS_PASSWORD=s3cr3t-${i}`],
        ports: [{ internal: 6379, external: 16379 + (i % 100) }],
        volumes: [{ containerPath: "/data", volumeName: `cache-${i}-data` }],
        ulimits: hardened ? [{ name: "nproc", soft: 512, hard: 512 }] : [],
        pidMode: hardened ? "" : "host",
        labels: [{ label: "team", value: `team-${i % 9}` }],
        user: "999:999",
        networksAdvanced: [{ name: "shop", aliases: [`cache-${i}`] }],
    });
}

function dockerService(i: number): Resource {
    return resource("docker:index/service:Service", `queue-${i}`, {
        name: `queue-${i}`,
        taskSpec: {
            containerSpec: {
                image: `rabbitmq:3.13-management`,
                readOnly: i % 2 === 0,
                capDrops: ["ALL"],
                env: { RABBITMQ_DEFAULT_USER: "shop", RABBITMQ_NODENAME: `rabbit@queue-${i}`, ERLANG_COOKIE_FILE: "/run/secrets/cookie" },
                secrets: [{ secretId: `sec-${i}`, secretName: "cookie", fileName: "/run/secrets/cookie" }],
                mounts: [{ target: "/var/lib/rabbitmq", type: "volume", source: `queue-${i}-data` }],
                labels: [{ label: "team", value: `team-${i % 9}` }],
            },
            resources: { limits: { memoryBytes: 536870912 } },
            restartPolicy: { condition: "on-failure", maxAttempts: 3 },
        },
        mode: { replicated: { replicas: 2 } },
        labels: [{ label: "stack", value: "shop" }],
    });
}

function dockerImage(i: number, contexts: string): Resource {
    return resource("docker:index/image:Image", `image-${i}`, {
        imageName: `registry.example.com/shop/api:${i}`,
        build: { context: buildContext(contexts, i), dockerfile: path.join(buildContext(contexts, i), "Dockerfile"), platform: "linux/amd64", args: { VERSION: `1.${i}` } },
        skipPush: false,
    });
}

function remoteImage(i: number, contexts: string): Resource {
    return resource("docker:index/remoteImage:RemoteImage", `worker-image-${i}`, {
        name: `registry.example.com/shop/worker:${i}`,
        build: { context: buildContext(contexts, i), buildArgs: { VERSION: `2.${i}` }, tags: [`shop/worker:${i}`] },
        keepLocally: true,
    });
}

function dockerBuildImage(i: number): Resource {
    return resource("docker-build:index:Image", `frontend-image-${i}`, {
        tags: [`registry.example.com/shop/frontend:${i}`],
        push: true,
        platforms: ["linux/amd64", "linux/arm64"],
        context: { location: "./frontend" },
        dockerfile: { inline: dockerfile(i) },
        buildArgs: { NODE_ENV: "production", RELEASE: `r${i}` },
        cacheFrom: [{ registry: { ref: "registry.example.com/shop/frontend:cache" } }],
    });
}

function kubernetes(kind: string, apiVersion: string, i: number, spec: object, extra: object = {}): Resource {
    const group = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    return resource(`kubernetes:${group}:${kind}`, `${kind.toLowerCase()}-${i}`, { apiVersion, kind, metadata: metadata(i, kind.toLowerCase()), ...extra, spec });
}

/** The Kubernetes workload kinds (every kind `policies/lib/workloads.ts` knows, and a `*Patch`). */
export const workloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Pod", "PodTemplate", "DeploymentPatch"] as const;

/** Workload `i` of `kind`, as teams write them (with findings) or `compliant` (none). */
export function workload(kind: (typeof workloadKinds)[number], i: number, compliant = false): Resource {
    const selector = { matchLabels: { app: `web-${i}` } };
    switch (kind) {
        case "Deployment":
            return deployment(i, 2, compliant);
        case "StatefulSet":
            return kubernetes("StatefulSet", "apps/v1", i, { serviceName: `db-${i}`, replicas: 3, selector, template: template(i, 1, compliant), volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } }] });
        case "DaemonSet":
            return kubernetes("DaemonSet", "apps/v1", i, { selector, template: template(i, 1, compliant) });
        case "ReplicaSet":
            return kubernetes("ReplicaSet", "apps/v1", i, { replicas: 2, selector, template: template(i, 2, compliant) });
        case "ReplicationController":
            return kubernetes("ReplicationController", "v1", i, { replicas: 2, selector: { app: `web-${i}` }, template: template(i, 1, compliant) });
        case "Job":
            return kubernetes("Job", "batch/v1", i, { backoffLimit: 2, template: template(i, 1, compliant) });
        case "CronJob":
            return kubernetes("CronJob", "batch/v1", i, { schedule: "*/15 * * * *", jobTemplate: { spec: { template: template(i, 1, compliant) } } });
        case "Pod":
            return kubernetes("Pod", "v1", i, podSpec(i, 1, compliant));
        case "PodTemplate":
            return resource("kubernetes:core/v1:PodTemplate", `podtemplate-${i}`, { apiVersion: "v1", kind: "PodTemplate", metadata: metadata(i, "podtemplate"), template: template(i, 1, compliant) });
        case "DeploymentPatch": {
            const securityContext = compliant ? { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } : { readOnlyRootFilesystem: true, capabilities: { add: ["NET_ADMIN"] } };
            return resource("kubernetes:apps/v1:DeploymentPatch", `web-patch-${i}`, {
                metadata: { name: `web-${i}`, namespace: `team-${i % 9}` },
                spec: { template: { spec: { containers: [{ name: "api", securityContext }] } } },
            });
        }
    }
}

function service(i: number): Resource {
    return kubernetes("Service", "v1", i, { selector: { app: `web-${i}` }, ports: [{ name: "http", port: 80, targetPort: "http" }], type: "ClusterIP" });
}

function configMap(i: number): Resource {
    return resource("kubernetes:core/v1:ConfigMap", `config-${i}`, { metadata: metadata(i, "config"), data: { "config.yaml": `shard: ${i % 16}\nlogLevel: info\n`, cacheTtl: "300" } });
}

function ingress(i: number): Resource {
    return resource("kubernetes:networking.k8s.io/v1:Ingress", `ingress-${i}`, { metadata: metadata(i, "ingress"), spec: { rules: [{ host: `shop-${i}.example.com`, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: `service-${i}`, port: { name: "http" } } } }] } }] } });
}

/**
 * Resource `i` of a stack: mostly Kubernetes workloads of every kind, Docker containers and
 * services, image builds of all three kinds, and a few resources that run no container.
 */
export function mixedResource(i: number, contexts: string): Resource {
    switch (i % 20) {
        case 0:
        case 1:
        case 2:
            return deployment(i);
        case 3:
            return workload("StatefulSet", i);
        case 4:
            return workload("DaemonSet", i);
        case 5:
            return workload("Job", i);
        case 6:
            return workload("CronJob", i);
        case 7:
            return workload("Pod", i);
        case 8:
            return workload("ReplicaSet", i);
        case 9:
            return workload("DeploymentPatch", i);
        case 10:
        case 11:
            return dockerContainer(i, i % 2 === 0);
        case 12:
            return dockerService(i);
        case dockerImageSlot:
            return dockerImage(i, contexts);
        case 14:
            return dockerBuildImage(i);
        case remoteImageSlot:
            return remoteImage(i, contexts);
        case 16:
            return service(i);
        case 17:
            return configMap(i);
        case 18:
            return ingress(i);
        default:
            return deployment(i, 3);
    }
}

/** Each block of `stackBlock` resources of `previewStack` holds 20 workloads, 5 Docker containers and services, 1 image build and 24 resources without containers. */
export const stackBlock = 50;

/**
 * The stack of the preview figure, `count` resources (a multiple of `stackBlock`) in the
 * proportions of 400 / 100 / 20 / 480 per 1,000: the ten workload kinds, each as written and
 * hardened; docker.Container (hardened and as written) and docker.Service; an image build, the
 * three kinds in turn, each with a Dockerfile of its own (written under `contexts` for the kinds
 * that read it from disk); Services, ConfigMaps and Ingresses.
 */
export function previewStack(count: number, contexts: string): Resource[] {
    const builds = [
        (i: number) => dockerImage(i, writeBuildContext(contexts, i)),
        (i: number) => remoteImage(i, writeBuildContext(contexts, i)),
        dockerBuildImage,
    ];
    const withoutContainers = [service, configMap, ingress];
    return Array.from({ length: count }, (_, i) => {
        const slot = i % stackBlock;
        if (slot < 2 * workloadKinds.length) {
            return workload(workloadKinds[slot >> 1], i, slot % 2 === 1);
        }
        if (slot < 23) {
            return dockerContainer(i, i % 2 === 0);
        }
        if (slot < 25) {
            return dockerService(i);
        }
        if (slot === 25) {
            return builds[Math.floor(i / stackBlock) % builds.length](i);
        }
        return withoutContainers[slot % withoutContainers.length](i);
    });
}

/** The category a resource counts in, for the per-category figures. */
export function categoryOf(resource: Resource): string {
    if (["docker:index/image:Image", "docker:index/remoteImage:RemoteImage", "docker-build:index:Image"].includes(resource.type)) {
        return "image builds";
    }
    if (resource.type.startsWith("docker:")) {
        return "Docker containers and services";
    }
    return ["Service", "ConfigMap", "Ingress"].some(kind => resource.type.endsWith(`:${kind}`)) ? "resources without containers" : "Kubernetes workloads";
}

/** Visits every value of a resource's properties once: the floor for any policy that reads them. */
export function walk(value: unknown): number {
    if (Array.isArray(value)) {
        let count = 1;
        for (const item of value) {
            count += walk(item);
        }
        return count;
    }
    if (typeof value === "object" && value !== null) {
        let count = 1;
        for (const key in value) {
            count += walk((value as Record<string, unknown>)[key]);
        }
        return count;
    }
    return typeof value === "string" ? 1 + (value.length & 1) : 1;
}
