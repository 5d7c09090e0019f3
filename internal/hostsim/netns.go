package hostsim

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"golang.org/x/sys/unix"
)

// InNet runs fn on an OS thread that has entered the host's network
// namespace: sockets fn creates belong to the host (and keep doing so
// after fn returns). Nothing else runs on that thread meanwhile.
func (h *Host) InNet(fn func() error) error {
	h.mu.Lock()
	ns := h.netns
	h.mu.Unlock()
	if ns == nil {
		return fmt.Errorf("host %s is powered off", h.Spec.Name)
	}
	runtime.LockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer unix.Close(orig)
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("entering the network namespace of host %s: %w", h.Spec.Name, err)
	}
	ferr := fn()
	if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
		// The thread stays in the host's namespace: leave it locked, so
		// that it ends with this goroutine instead of serving others.
		return fmt.Errorf("leaving the network namespace of host %s: %w", h.Spec.Name, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// DialContext opens a connection from the host, as net.Dialer does.
func (h *Host) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	err := h.InNet(func() error {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		conn = c
		return err
	})
	return conn, err
}

// Addresses lists the addresses of the host's interface named name.
func (h *Host) Addresses(name string) ([]string, error) {
	var out []string
	err := h.InNet(func() error {
		ifc, err := net.InterfaceByName(name)
		if err != nil {
			return err
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				out = append(out, ipn.IP.String())
			}
		}
		return nil
	})
	return out, err
}
