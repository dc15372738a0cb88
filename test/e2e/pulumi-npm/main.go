// pulumi-npm runs the package-manager steps the Pulumi CLI takes for a Node.js policy pack, with
// the CLI's own code (github.com/pulumi/pulumi/sdk/v3/nodejs/npm, at the CLI's version), for the
// published-pack engine test (test/e2e/run.js). Built by scripts/pulumi-npm.sh.
//
//	pulumi-npm pack <pack-dir> <tarball>  what `pulumi policy publish` does: npm.Pack with the
//	                                      automatic package manager (pkg/backend/httpstate/policypack.go,
//	                                      cloudPolicyPack.Publish), the tarball written to <tarball>
//	pulumi-npm install <dir>              what the Node.js language host does in a pack Pulumi
//	                                      installs: npm.Install, production false
//	                                      (sdk/nodejs/cmd/pulumi-language-nodejs, installShared)
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
)

func run(args []string) error {
	ctx := context.Background()
	switch {
	case len(args) == 3 && args[0] == "pack":
		tarball, err := npm.Pack(ctx, npm.AutoPackageManager, args[1], os.Stderr)
		if err != nil {
			return err
		}
		return os.WriteFile(args[2], tarball, 0o644)
	case len(args) == 2 && args[0] == "install":
		manager, err := npm.Install(ctx, npm.AutoPackageManager, args[1], false /*production*/, os.Stdout, os.Stderr)
		if err != nil {
			return fmt.Errorf("%s install: %w", manager, err)
		}
		return nil
	default:
		return fmt.Errorf("usage: pulumi-npm pack <pack-dir> <tarball> | install <dir>")
	}
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-npm:", err)
		os.Exit(1)
	}
}
