package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// A workload's pod template, whatever kind carries it.
type podOwner struct {
	kind, name string
	selector   map[string]string
	template   corev1.PodTemplateSpec
	// Volumes the pods get besides the template's: a StatefulSet's volumeClaimTemplates.
	claimVolumes []string
}

// rendered is what the kustomization produced, decoded into the API types.
type rendered struct {
	namespaces map[string]bool
	configMaps map[string]*corev1.ConfigMap
	secrets    map[string]bool
	claims     map[string]bool
	// The claims a StatefulSet's volumeClaimTemplates give its pods: <template>-<statefulset>-<ordinal>, for any
	// ordinal (a claim kept after a scale-down is named past the current replicas).
	ordinalClaims []string
	accounts      map[string]bool
	services      []*corev1.Service
	owners        []podOwner
}

// checkKubernetes renders each kustomization folder and checks the objects of all of them together: a folder applied
// after the stack (collector/k8s/drain) may name what the stack defines.
func checkKubernetes(dirs []string, configMapDir string) ([]string, error) {
	// Strict: an unknown or duplicated field is an error, as `kubectl apply --validate=strict` would say.
	decoder := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
		kjson.SerializerOptions{Yaml: true, Strict: true})
	var problems []string
	r := rendered{namespaces: map[string]bool{}, configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]bool{},
		claims: map[string]bool{}, accounts: map[string]bool{"default": true}}
	for _, dir := range dirs {
		resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		problems = append(problems, r.decodeAll(decoder, resources.Resources())...)
	}
	problems = append(problems, r.crossCheck()...)
	if configMapDir != "" {
		if err := writeConfigMaps(r.configMaps, configMapDir); err != nil {
			return problems, err
		}
	}
	return problems, nil
}

func (r *rendered) decodeAll(decoder *kjson.Serializer, resources []*resource.Resource) []string {
	var problems []string
	for _, resource := range resources {
		id := resource.CurId().String()
		text, err := resource.AsYAML()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", id, err))
			continue
		}
		object, _, err := decoder.Decode(text, nil, nil)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", id, err))
			continue
		}
		problems = append(problems, r.add(object)...)
	}
	return problems
}

func (r *rendered) add(object runtime.Object) []string {
	switch o := object.(type) {
	case *corev1.Namespace:
		r.namespaces[o.Name] = true
	case *corev1.ConfigMap:
		r.configMaps[o.Name] = o
	case *corev1.Secret:
		r.secrets[o.Name] = true
	case *corev1.PersistentVolumeClaim:
		r.claims[o.Name] = true
	case *corev1.ServiceAccount:
		r.accounts[o.Name] = true
	case *corev1.Service:
		r.services = append(r.services, o)
	case *appsv1.Deployment:
		return r.addOwner("Deployment", o.Name, o.Spec.Selector.MatchLabels, o.Spec.Template)
	case *appsv1.DaemonSet:
		return r.addOwner("DaemonSet", o.Name, o.Spec.Selector.MatchLabels, o.Spec.Template)
	case *appsv1.StatefulSet:
		problems := r.addOwner("StatefulSet", o.Name, o.Spec.Selector.MatchLabels, o.Spec.Template)
		for _, claim := range o.Spec.VolumeClaimTemplates {
			r.claims[claim.Name] = true
			r.ordinalClaims = append(r.ordinalClaims, claim.Name+"-"+o.Name+"-")
			r.owners[len(r.owners)-1].claimVolumes = append(r.owners[len(r.owners)-1].claimVolumes, claim.Name)
		}
		return problems
	case *batchv1.Job:
		selector := map[string]string(nil)
		if o.Spec.Selector != nil {
			selector = o.Spec.Selector.MatchLabels
		}
		if selector == nil {
			// The Job controller generates its selector; it matches the template by construction.
			selector = o.Spec.Template.Labels
		}
		return r.addOwner("Job", o.Name, selector, o.Spec.Template)
	}
	return nil
}

func (r *rendered) addOwner(kind, name string, selector map[string]string, template corev1.PodTemplateSpec) []string {
	r.owners = append(r.owners, podOwner{kind: kind, name: name, selector: selector, template: template})
	if len(selector) == 0 || !labels.SelectorFromSet(selector).Matches(labels.Set(template.Labels)) {
		return []string{fmt.Sprintf("%s/%s: the selector %v does not match the pod template's labels %v", kind, name,
			selector, template.Labels)}
	}
	return nil
}

// crossCheck finds what a strict decode cannot: references to objects that are not there, Services that select no
// pod, and containers without the limits, probes and restrictions every long-running part of the stack must have.
func (r *rendered) crossCheck() []string {
	var problems []string
	for _, owner := range r.owners {
		where := owner.kind + "/" + owner.name
		spec := owner.template.Spec
		if spec.ServiceAccountName != "" && !r.accounts[spec.ServiceAccountName] {
			problems = append(problems, fmt.Sprintf("%s: service account %q is not defined", where, spec.ServiceAccountName))
		}
		volumes := map[string]bool{}
		for _, claim := range owner.claimVolumes {
			volumes[claim] = true
		}
		for _, volume := range spec.Volumes {
			volumes[volume.Name] = true
			switch {
			case volume.ConfigMap != nil && r.configMaps[volume.ConfigMap.Name] == nil:
				problems = append(problems, fmt.Sprintf("%s: volume %q names ConfigMap %q, which is not defined", where,
					volume.Name, volume.ConfigMap.Name))
			case volume.ConfigMap != nil:
				for _, item := range volume.ConfigMap.Items {
					if _, ok := r.configMaps[volume.ConfigMap.Name].Data[item.Key]; !ok {
						problems = append(problems, fmt.Sprintf("%s: volume %q takes key %q that ConfigMap %q does not have",
							where, volume.Name, item.Key, volume.ConfigMap.Name))
					}
				}
			case volume.PersistentVolumeClaim != nil && !r.claimDefined(volume.PersistentVolumeClaim.ClaimName):
				problems = append(problems, fmt.Sprintf("%s: volume %q names PersistentVolumeClaim %q, which is not defined",
					where, volume.Name, volume.PersistentVolumeClaim.ClaimName))
			}
		}
		for _, container := range append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...) {
			problems = append(problems, r.checkContainer(where, container, volumes)...)
		}
	}
	for _, service := range r.services {
		problems = append(problems, r.checkService(service)...)
	}
	return problems
}

// claimDefined says whether a claim name is a PersistentVolumeClaim of the manifests or one a StatefulSet's pod gets.
func (r *rendered) claimDefined(name string) bool {
	if r.claims[name] {
		return true
	}
	for _, prefix := range r.ordinalClaims {
		if ordinal, ok := strings.CutPrefix(name, prefix); ok && ordinal != "" && strings.Trim(ordinal, "0123456789") == "" {
			return true
		}
	}
	return false
}

func (r *rendered) checkContainer(where string, c corev1.Container, volumes map[string]bool) []string {
	var problems []string
	at := fmt.Sprintf("%s container %q", where, c.Name)
	if c.Image == "" || strings.HasSuffix(c.Image, ":latest") || !strings.Contains(c.Image[strings.LastIndex(c.Image, "/")+1:], ":") {
		problems = append(problems, fmt.Sprintf("%s: image %q must name a version", at, c.Image))
	}
	for _, resource := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if _, ok := c.Resources.Requests[resource]; !ok {
			problems = append(problems, fmt.Sprintf("%s: no %s request", at, resource))
		}
	}
	if _, ok := c.Resources.Limits[corev1.ResourceMemory]; !ok {
		problems = append(problems, fmt.Sprintf("%s: no memory limit", at))
	}
	security := c.SecurityContext
	if security == nil || security.AllowPrivilegeEscalation == nil || *security.AllowPrivilegeEscalation ||
		security.ReadOnlyRootFilesystem == nil || !*security.ReadOnlyRootFilesystem {
		problems = append(problems, fmt.Sprintf("%s: securityContext must set allowPrivilegeEscalation: false and readOnlyRootFilesystem: true", at))
	}
	for _, mount := range c.VolumeMounts {
		if !volumes[mount.Name] {
			problems = append(problems, fmt.Sprintf("%s: mounts volume %q, which the pod does not define", at, mount.Name))
		}
	}
	for _, env := range c.Env {
		if env.ValueFrom == nil {
			continue
		}
		if ref := env.ValueFrom.ConfigMapKeyRef; ref != nil && (ref.Optional == nil || !*ref.Optional) {
			if cm := r.configMaps[ref.Name]; cm == nil {
				problems = append(problems, fmt.Sprintf("%s: env %s names ConfigMap %q, which is not defined", at, env.Name, ref.Name))
			} else if _, ok := cm.Data[ref.Key]; !ok {
				problems = append(problems, fmt.Sprintf("%s: env %s names key %q that ConfigMap %q does not have", at, env.Name, ref.Key, ref.Name))
			}
		}
		if ref := env.ValueFrom.SecretKeyRef; ref != nil && (ref.Optional == nil || !*ref.Optional) && !r.secrets[ref.Name] {
			problems = append(problems, fmt.Sprintf("%s: env %s needs Secret %q: define it or mark the reference optional", at, env.Name, ref.Name))
		}
	}
	if len(c.Ports) > 0 && c.ReadinessProbe == nil {
		problems = append(problems, fmt.Sprintf("%s: serves ports but has no readinessProbe", at))
	}
	return problems
}

func (r *rendered) checkService(service *corev1.Service) []string {
	where := "Service/" + service.Name
	if len(service.Spec.Selector) == 0 {
		return []string{where + ": no selector"}
	}
	selector := labels.SelectorFromSet(service.Spec.Selector)
	var matched []podOwner
	for _, owner := range r.owners {
		if selector.Matches(labels.Set(owner.template.Labels)) {
			matched = append(matched, owner)
		}
	}
	if len(matched) == 0 {
		return []string{fmt.Sprintf("%s: the selector %v matches no pod template", where, service.Spec.Selector)}
	}
	var problems []string
	for _, port := range service.Spec.Ports {
		target := port.TargetPort
		for _, owner := range matched {
			if !servesPort(owner.template.Spec.Containers, target.String(), port.Port, target.IntValue()) {
				problems = append(problems, fmt.Sprintf("%s: port %q targets %s, which %s/%s does not serve", where,
					port.Name, target.String(), owner.kind, owner.name))
			}
		}
	}
	return problems
}

func servesPort(containers []corev1.Container, name string, servicePort int32, number int) bool {
	for _, c := range containers {
		for _, p := range c.Ports {
			if (number == 0 && name == "0" && p.ContainerPort == servicePort) || p.Name == name || int(p.ContainerPort) == number {
				return true
			}
		}
	}
	return false
}

func writeConfigMaps(configMaps map[string]*corev1.ConfigMap, dir string) error {
	names := make([]string, 0, len(configMaps))
	for name := range configMaps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		folder := filepath.Join(dir, name)
		if err := os.MkdirAll(folder, 0o700); err != nil {
			return err
		}
		for key, value := range configMaps[name].Data {
			if err := os.WriteFile(filepath.Join(folder, key), []byte(value), 0o600); err != nil {
				return err
			}
		}
	}
	return nil
}
