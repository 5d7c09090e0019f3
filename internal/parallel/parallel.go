// Package parallel runs independent jobs on every core.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Do calls f(0) … f(n-1), at most GOMAXPROCS at a time, and returns when
// every call has.
func Do(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}
