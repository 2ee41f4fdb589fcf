package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/compose-spec/compose-go/v2/cli"
)

// checkCompose loads the file as `docker compose --profile <profile> config` would (the Compose specification's
// schema, interpolation with the defaults written in the file, and its consistency checks) and checks that the profile
// runs exactly the expected services.
func checkCompose(file string, profile string, expect []string) ([]string, error) {
	absolute, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	options, err := cli.NewProjectOptions([]string{absolute},
		cli.WithWorkingDirectory(filepath.Dir(absolute)),
		cli.WithProfiles([]string{profile}),
		cli.WithName("genai-otel-check"),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var problems []string
	names := project.ServiceNames()
	sort.Strings(names)
	if expect != nil {
		want := map[string]bool{}
		for _, name := range expect {
			want[name] = true
		}
		have := map[string]bool{}
		for _, name := range names {
			have[name] = true
			if !want[name] {
				problems = append(problems, fmt.Sprintf("profile %s runs service %q, which was not expected", profile, name))
			}
		}
		for _, name := range expect {
			if !have[name] {
				problems = append(problems, fmt.Sprintf("profile %s does not run service %q", profile, name))
			}
		}
	}
	for _, service := range project.Services {
		for dependency := range service.DependsOn {
			if _, ok := project.Services[dependency]; !ok {
				problems = append(problems, fmt.Sprintf("service %q depends on %q, which the profile does not run", service.Name, dependency))
			}
		}
	}
	fmt.Printf("compose profile %s: %d services: %v\n", profile, len(names), names)
	return problems, nil
}
