package safefs

import (
	"os"
	"strings"
	"sync"
)

// hardlinksProtected reports whether fs.protected_hardlinks is on: then a
// process may not link a file of another user that it cannot read and
// write (CanLink).
var hardlinksProtected = sync.OnceValue(func() bool {
	b, err := os.ReadFile("/proc/sys/fs/protected_hardlinks")
	return err != nil || strings.TrimSpace(string(b)) != "0"
})
