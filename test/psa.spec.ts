// The presets against Pod Security Admission's own verdicts: every fixture PSA ships for the
// newest version and for v1.25 (the seccomp and AppArmor field forms), through the pack configured
// with examples/config/pss-<level>.json. A pass/ file gets no mandatory violation; a fail/ file gets
// one from a policy that owns the check it fails, and none from any other policy.
import * as assert from "assert";
import * as path from "path";
import { policies } from "../policies";
import { asWorkload, fieldsTheProviderLacks, presetConfig, PsaFixture, psaFixtures, PsaLevel, psaVersions, verdictsUnder } from "./psa-fixtures";

/** The policies that own each PSA check (the fixture's file name without its number). */
const owners: Record<string, readonly string[]> = {
    // allowprivilegeescalation3 has no securityContext at all, so PSA rejects it for capabilities (no drop of ALL) too.
    allowprivilegeescalation: ["container-no-privilege-escalation", "container-drop-capabilities"],
    apparmorprofile: ["container-security-profiles"],
    capabilities_baseline: ["container-restrict-added-capabilities"],
    // Restricted asks for both a drop of ALL and no add beyond NET_BIND_SERVICE.
    capabilities_restricted: ["container-drop-capabilities", "container-restrict-added-capabilities"],
    // hostPID is container-pid-limit's; hostNetwork and hostIPC container-no-host-namespaces'.
    hostnamespaces: ["container-no-host-namespaces", "container-pid-limit"],
    hostpathvolumes: ["container-restricted-volumes"],
    hostports: ["container-no-host-ports"],
    hostprobesandhostlifecycle: ["container-no-host-namespaces"],
    // The fixtures clear allowPrivilegeEscalation (the API rejects false with privileged: true), and
    // PSA restricted rejects them for that too: its evaluator reports both checks on privileged0 and 1.
    privileged: ["container-no-privileged", "container-no-privilege-escalation"],
    procmount: ["container-security-profiles"],
    procmount_restricted: ["container-security-profiles"],
    restrictedvolumes: ["container-restricted-volumes"],
    runasnonroot: ["container-run-as-non-root"],
    runasuser: ["container-run-as-non-root"],
    seccompprofile_baseline: ["container-security-profiles"],
    seccompprofile_restricted: ["container-security-profiles"],
    selinuxoptions: ["container-security-profiles"],
    sysctls: ["container-safe-sysctls"],
    // Its fail/ files set hostNetwork: true (a HostProcess pod requires it), which PSA rejects as a host namespace too.
    windowshostprocess: ["container-no-privileged", "container-no-host-namespaces"],
};

/**
 * Fixtures whose verdict changed after their version, so that this pack (which follows the newest)
 * gives the newer one: asserted, so that a change either way shows.
 */
const versionDifferences: Record<string, string> = {
    "baseline/v1.25/fail/procmount0.yaml": "a pod with hostUsers: false may set procMount: Unmasked at baseline since v1.35",
    "baseline/v1.25/fail/procmount1.yaml": "a pod with hostUsers: false may set procMount: Unmasked at baseline since v1.35",
};

const presets: Record<PsaLevel, string> = {
    baseline: path.join(__dirname, "..", "..", "examples", "config", "pss-baseline.json"),
    restricted: path.join(__dirname, "..", "..", "examples", "config", "pss-restricted.json"),
};

/** How the pack's verdict on a fixture compares with PSA's: undefined when they agree. */
function disagreement(fixture: PsaFixture, type: string, props: object): string | undefined {
    const mandatory = verdictsUnder(policies, presetConfig(policies, presets[fixture.level]), type, props).filter(v => v.level === "mandatory");
    if (fixture.expect === "pass") {
        return mandatory.length === 0 ? undefined : `PSA admits it, the pack reports:\n${mandatory.map(v => `  ${v.policy}: ${v.message}`).join("\n")}`;
    }
    const own = owners[fixture.check];
    if (!own) {
        return `no policy owns the check "${fixture.check}"`;
    }
    const others = mandatory.filter(v => !own.includes(v.policy));
    if (others.length > 0) {
        return `violations from policies that don't own "${fixture.check}":\n${others.map(v => `  ${v.policy}: ${v.message}`).join("\n")}`;
    }
    return mandatory.length > 0 ? undefined : `PSA rejects it for ${fixture.check}, the pack reports no mandatory violation (owners: ${own.join(", ")})`;
}

describe("Pod Security Admission's fixtures under the pss-baseline and pss-restricted presets", function () {
    this.timeout(300_000);
    const fixtures = psaFixtures(psaVersions);

    it(`covers both levels of ${psaVersions.join(" and ")}, and every check PSA has is owned by a policy`, () => {
        for (const level of ["baseline", "restricted"]) {
            for (const version of psaVersions) {
                assert.ok(fixtures.some(f => f.level === level && f.version === version && f.expect === "fail"), `${level}/${version} has no fail/ fixture`);
            }
        }
        const checks = new Set(fixtures.filter(f => f.expect === "fail").map(f => f.check));
        assert.deepStrictEqual([...checks].filter(check => !owners[check]), []);
        for (const policy of new Set(Object.values(owners).flat())) {
            assert.ok(policies.some(p => p.name === policy), `${policy} is not a policy of the pack`);
        }
    });

    for (const level of ["baseline", "restricted"] as const) {
        it(`agrees with PSA ${level} on every fixture, as a Pod, a Deployment and a CronJob`, () => {
            const ofLevel = fixtures.filter(f => f.level === level);
            const disagreements: string[] = [];
            const differences: string[] = [];
            let agreed = 0;
            for (const fixture of ofLevel) {
                const forms = [{ kind: "Pod", type: "kubernetes:core/v1:Pod", props: fixture.object as object }, ...(["Deployment", "CronJob"] as const).map(kind => ({ kind, ...asWorkload(kind, fixture.object) }))];
                const found = forms.map(form => ({ form, problem: disagreement(fixture, form.type, form.props) })).filter(f => f.problem);
                if (found.length === 0) {
                    agreed++;
                } else if (versionDifferences[fixture.file] && found.length === forms.length) {
                    differences.push(fixture.file);
                } else {
                    disagreements.push(...found.map(({ form, problem }) => `${fixture.file} (as a ${form.kind}): ${problem}`));
                }
            }
            const gaps = ofLevel.map(f => ({ file: f.file, lacking: fieldsTheProviderLacks(f.object) })).filter(g => g.lacking.length > 0);
            console.log(`      PSA agreement (${level}): ${agreed}/${ofLevel.length}` + (differences.length ? `; ${differences.length} version differences: ${differences.map(f => `${f} (${versionDifferences[f]})`).join("; ")}` : ""));
            console.log(`      fields the Kubernetes provider doesn't expose: ${gaps.length === 0 ? "none" : gaps.map(g => `${g.file}: ${g.lacking.join(", ")}`).join("; ")}`);
            assert.deepStrictEqual(disagreements, []);
            assert.deepStrictEqual(differences.sort(), Object.keys(versionDifferences).filter(file => file.startsWith(`${level}/`)).sort());
        });
    }
});
