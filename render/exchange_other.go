//go:build !linux && !darwin

package render

import "os"

// exchange swaps two folders with two renames. Unlike Linux's
// RENAME_EXCHANGE this leaves a short window in which b is missing and its
// old tree lies in a+swapSuffix; the next Write puts it back (restoreSwapped).
func exchange(a, b string) error {
	tmp := a + swapSuffix
	if err := os.Rename(b, tmp); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		_ = os.Rename(tmp, b)
		return err
	}
	return os.Rename(tmp, a)
}
