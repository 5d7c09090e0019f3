//go:build !unix

package render

// Without O_NOFOLLOW, readCacheEntry still refuses anything but a regular
// file once it is open.
const (
	openNoFollow = 0
	openNonBlock = 0
)
