// deploy-check validates genai-otel's deployment files offline: the Kubernetes manifests (rendered with kustomize,
// every object decoded strictly into the Kubernetes API types, then cross-checked) and a docker-compose.yml profile
// (loaded with the Compose specification's own loader and schema). Nothing is downloaded at check time: the API types
// and the Compose schema are compiled in.
//
// Usage:
//
//	deploy-check k8s <kustomization folder>... [--write-configmaps <folder>]
//	deploy-check compose <docker-compose.yml> --profile <name> [--expect service,service,...]
//
// Exit status 0 when everything holds, 1 with one line per problem otherwise, 2 on a usage error.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	var problems []string
	var err error
	switch os.Args[1] {
	case "k8s":
		var dirs []string
		for i := 2; i < len(os.Args) && !strings.HasPrefix(os.Args[i], "--"); i++ {
			dirs = append(dirs, os.Args[i])
		}
		problems, err = checkKubernetes(dirs, flagValue(os.Args[2:], "--write-configmaps"))
	case "compose":
		profile := flagValue(os.Args[3:], "--profile")
		if profile == "" {
			usage()
		}
		var expect []string
		if list := flagValue(os.Args[3:], "--expect"); list != "" {
			expect = strings.Split(list, ",")
		}
		problems, err = checkCompose(os.Args[2], profile, expect)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deploy-check:", err)
		os.Exit(1)
	}
	for _, problem := range problems {
		fmt.Fprintln(os.Stderr, "deploy-check:", problem)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func flagValue(args []string, name string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == name {
			return args[i+1]
		}
	}
	return ""
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: deploy-check k8s <kustomization folder>... [--write-configmaps <folder>]")
	fmt.Fprintln(os.Stderr, "       deploy-check compose <docker-compose.yml> --profile <name> [--expect a,b,...]")
	os.Exit(2)
}
