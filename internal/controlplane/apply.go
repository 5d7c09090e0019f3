package controlplane

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Rejection is an object the API server refused, and why.
type Rejection struct {
	Object  string // Kind namespace/name
	Message string
}

func (r Rejection) String() string { return r.Object + ": " + r.Message }

// Kinds sorted into the order a cluster needs them.
var (
	foundationKinds = map[string]bool{"Namespace": true, "CustomResourceDefinition.apiextensions.k8s.io": true}
	rbacKinds       = map[string]bool{
		"ServiceAccount":                               true,
		"Role.rbac.authorization.k8s.io":               true,
		"ClusterRole.rbac.authorization.k8s.io":        true,
		"RoleBinding.rbac.authorization.k8s.io":        true,
		"ClusterRoleBinding.rbac.authorization.k8s.io": true,
	}
	workloadKinds = map[string]bool{
		"Pod": true, "ReplicationController": true, "Deployment.apps": true, "ReplicaSet.apps": true,
		"StatefulSet.apps": true, "DaemonSet.apps": true, "Job.batch": true, "CronJob.batch": true,
	}
	// Objects that hand requests to a server that does not run here: the API
	// server would call it (and fail) on every later request they cover.
	dryRunOnlyKinds = map[string]bool{
		"ValidatingWebhookConfiguration.admissionregistration.k8s.io": true,
		"MutatingWebhookConfiguration.admissionregistration.k8s.io":   true,
		"APIService.apiregistration.k8s.io":                           true,
	}
)

// IsFoundation reports whether other objects depend on o existing for real
// even in a dry run: Namespaces and CustomResourceDefinitions.
func IsFoundation(o Object) bool { return foundationKinds[o.GroupKind()] }

// IsRBAC reports whether o is a ServiceAccount, Role, ClusterRole or binding.
func IsRBAC(o Object) bool { return rbacKinds[o.GroupKind()] }

// IsWorkload reports whether o makes pods.
func IsWorkload(o Object) bool { return workloadKinds[o.GroupKind()] }

// IsDryRunOnly reports whether o would route API requests to a webhook or
// aggregated server that does not run in the test control plane, so it is
// only ever dry-run there.
func IsDryRunOnly(o Object) bool { return dryRunOnlyKinds[o.GroupKind()] }

// Select returns the objects keep accepts, in their order.
func Select(objs []Object, keep func(Object) bool) []Object {
	var out []Object
	for _, o := range objs {
		if keep(o) {
			out = append(out, o)
		}
	}
	return out
}

// ApplyAll server-side applies every object, a few at a time, for real or
// as a dry run, and returns every refusal, sorted.
func (c *Client) ApplyAll(ctx context.Context, objs []Object, dryRun bool) []Rejection {
	var (
		mu   sync.Mutex
		out  []Rejection
		wg   sync.WaitGroup
		work = make(chan Object)
	)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if err := c.Apply(ctx, o, dryRun); err != nil {
					mu.Lock()
					out = append(out, Rejection{Object: o.String(), Message: err.Error()})
					mu.Unlock()
				}
			}
		}()
	}
	for _, o := range objs {
		work <- o
	}
	close(work)
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].Object < out[j].Object })
	return out
}

// WaitEstablished waits until every CustomResourceDefinition among objs is
// Established, then forgets cached discovery so their kinds can be found.
func (c *Client) WaitEstablished(ctx context.Context, objs []Object, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for _, o := range objs {
		if o.GroupKind() != "CustomResourceDefinition.apiextensions.k8s.io" {
			continue
		}
		for {
			var crd struct {
				Status struct {
					Conditions []struct{ Type, Status, Message string }
				}
			}
			err := c.Get(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+o.Name(), &crd)
			established := false
			for _, cond := range crd.Status.Conditions {
				established = established || cond.Type == "Established" && cond.Status == "True"
			}
			if err == nil && established {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CustomResourceDefinition %s not Established after %s (%v, conditions %+v)", o.Name(), timeout, err, crd.Status.Conditions)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	// Established comes a moment before discovery lists the new kinds; a
	// lookup in between would be cached as "not served".
	for _, o := range objs {
		if o.GroupKind() != "CustomResourceDefinition.apiextensions.k8s.io" {
			continue
		}
		var crd struct {
			Spec struct {
				Group    string
				Names    struct{ Kind string }
				Versions []struct {
					Name   string
					Served bool
				}
			}
		}
		if err := o.Into(&crd); err != nil {
			return err
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served {
				continue
			}
			for {
				c.ForgetMappings()
				_, err := c.Mapping(ctx, crd.Spec.Group+"/"+v.Name, crd.Spec.Names.Kind)
				if err == nil {
					break
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("CustomResourceDefinition %s is Established, but discovery does not list %s in %s/%s after %s: %v", o.Name(), crd.Spec.Names.Kind, crd.Spec.Group, v.Name, timeout, err)
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}
	c.ForgetMappings()
	return nil
}
