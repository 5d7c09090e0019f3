package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/kustomizeguard"
	"github.com/blueprint-dev/blueprint/internal/safefs"
)

// CacheEnv names the environment variable that controls the build cache:
// "off" disables it, a folder moves it there.
const CacheEnv = "BLUEPRINT_CACHE"

// Bounds of what the cache reads back and how long it keeps an entry.
const (
	maxCacheEntry = 64 << 20
	cacheMaxAge   = 30 * 24 * time.Hour
	// cacheTempMaxAge is how old a temporary file of an interrupted store
	// must be before a later store removes it.
	cacheTempMaxAge = time.Hour
)

// cacheMagic starts every entry and every key, and changes whenever the
// format or the meaning of an entry does.
const cacheMagic = "blueprint kustomize build v2"

// BuildCache remembers which exact kustomization inputs kustomize built
// without error (and, when asked, the YAML it built), so that a component
// whose files did not change is not built again. An entry is named by the
// SHA-256 of the component's files, its folder, the options kustomize runs
// with and the versions of the libraries blueprint was built with; it holds that
// name again and, optionally, the YAML with its own SHA-256. What is read
// back is checked against both: anything else (a truncated, edited,
// oversized or special file, a symlink) is a miss, and the component is
// built again. Entries are written to a temporary file and renamed, so
// renders sharing the cache never see half an entry.
//
// The cache trusts its folder as far as the user's own account: anyone who
// can write there can also claim that an input built. It cannot make
// blueprint write a tree from a different spec, since the key is the input.
type BuildCache struct {
	dir   string
	env   string
	prune sync.Once
}

// NewBuildCache returns a cache kept in dir, created when first written.
func NewBuildCache(dir string) *BuildCache {
	return &BuildCache{dir: dir, env: buildEnv()}
}

// UserBuildCache returns the cache the CLI uses: $BLUEPRINT_CACHE if it
// names a folder, nil (no cache) if it is "off", otherwise
// blueprint/kustomize in the user's cache folder (os.UserCacheDir). A
// binary that does not know the versions of the libraries it was built
// with (a test binary) gets no default cache, since an entry would not
// say which kustomize built it.
func UserBuildCache() *BuildCache {
	switch v := os.Getenv(CacheEnv); {
	case v == "off":
		return nil
	case v != "":
		return NewBuildCache(v)
	}
	if !knowsLibraryVersions() {
		return nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return nil
	}
	return NewBuildCache(filepath.Join(base, "blueprint", "kustomize"))
}

// Dir returns the folder the cache lives in.
func (c *BuildCache) Dir() string { return c.dir }

// knowsLibraryVersions reports whether the binary records the version of
// the kustomize library it was built with.
func knowsLibraryVersions() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, d := range bi.Deps {
		if d.Path == "sigs.k8s.io/kustomize/api" {
			return true
		}
	}
	return false
}

// buildEnv describes what, besides the input, decides what kustomize
// builds: the options blueprint runs it with, the Go release and every
// module the binary was built with.
var buildEnv = sync.OnceValue(func() string {
	var b strings.Builder
	opts, err := json.Marshal(kustomizeguard.Options())
	if err != nil {
		panic(err) // a struct of plain fields always marshals
	}
	b.Write(opts)
	b.WriteString("\n" + runtime.Version() + "\n")
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			fmt.Fprintf(&b, "%s %s %s\n", d.Path, d.Version, d.Sum)
		}
	}
	return b.String()
})

// forecastMagic starts the key of every saved capacity forecast.
const forecastMagic = "blueprint capacity forecast v1"

// forecastKey names the capacity forecast of in made by this binary, ""
// (not cached) without a cache or when the binary cannot say what it is.
// Unlike a kustomize build, a forecast is blueprint's own code: the key
// holds the binary's identity besides the input's, so a rebuilt blueprint
// forecasts again. The entry holds the saved forecast (forecast.Encode) where
// a build's holds YAML; forecast.Restore refuses one that does not fit.
func (c *BuildCache) forecastKey(in *forecast.Input) string {
	if c == nil || selfIdentity() == "" {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", forecastMagic, c.env, selfIdentity())
	h.Write(in.Key[:])
	return hex.EncodeToString(h.Sum(nil))
}

// selfIdentity describes the running binary: its module and version
// control stamp, and its file's path, size and modification time, which
// change whenever it is built again.
var selfIdentity = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	info, err := os.Stat(exe)
	if err != nil || !info.Mode().IsRegular() {
		return ""
	}
	var b strings.Builder
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "%s %s\n", bi.Main.Path, bi.Main.Version)
		for _, s := range bi.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				fmt.Fprintf(&b, "%s=%s\n", s.Key, s.Value)
			}
		}
	}
	fmt.Fprintf(&b, "%q %d %d\n", exe, info.Size(), info.ModTime().UnixNano())
	return b.String()
})

// cacheKey names the result of building dir from files (paths of the
// tree, sorted) with this binary. The key holds the binary's identity
// besides kustomize's: an entry keeps the built objects forecast.Reads
// accepts, which is blueprint's own code, so a blueprint that reads
// another kind (as when an operator engine was added) builds again rather
// than read back objects filtered by the old list.
func (c *BuildCache) cacheKey(t Tree, dir string, files []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\ndir %q\n", cacheMagic, c.env, selfIdentity(), dir)
	for _, p := range files {
		fmt.Fprintf(h, "file %q %d\n", p, len(t[p]))
		h.Write(t[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lookup reports whether the input named key built; with wantYAML it also
// returns the YAML, and an entry without YAML is a miss.
func (c *BuildCache) lookup(key string, wantYAML bool) ([]byte, bool) {
	// Only a regular file, not through a link, of bounded size.
	d, err := safefs.OpenDir(c.dir)
	if err != nil {
		return nil, false
	}
	defer d.Close()
	b, err := d.ReadFile(key, maxCacheEntry)
	if err != nil {
		return nil, false
	}
	header, body, ok := bytes.Cut(b, []byte("\n\n"))
	if !ok {
		return nil, false
	}
	lines := strings.Split(string(header), "\n")
	if len(lines) != 3 || lines[0] != cacheMagic || lines[1] != "input "+key {
		return nil, false
	}
	if lines[2] == "yaml none" {
		return nil, len(body) == 0 && !wantYAML
	}
	f := strings.Fields(lines[2])
	if len(f) != 3 || f[0] != "yaml" {
		return nil, false
	}
	if n, err := strconv.Atoi(f[2]); err != nil || n != len(body) {
		return nil, false
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != f[1] {
		return nil, false
	}
	return body, true
}

// store records that the input named key built, with its YAML when given.
// A cache that cannot be written only costs a build next time, so errors
// are dropped. Entries are not synced to disk (safefs.WriteFile would
// fsync each): one torn by a crash fails lookup's checks and is rebuilt.
func (c *BuildCache) store(key string, yaml []byte) {
	var b bytes.Buffer
	b.WriteString(cacheMagic + "\ninput " + key + "\n")
	if yaml == nil {
		b.WriteString("yaml none\n\n")
	} else {
		sum := sha256.Sum256(yaml)
		fmt.Fprintf(&b, "yaml %s %d\n\n", hex.EncodeToString(sum[:]), len(yaml))
		b.Write(yaml)
	}
	if b.Len() > maxCacheEntry || os.MkdirAll(c.dir, 0o700) != nil {
		return
	}
	if info, err := os.Lstat(c.dir); err != nil || !info.IsDir() {
		return
	}
	c.prune.Do(c.removeOld)
	tmp, err := os.CreateTemp(c.dir, ".tmp-")
	if err != nil {
		return
	}
	_, err = tmp.Write(b.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(c.dir, key))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// removeOld deletes entries written more than cacheMaxAge ago and
// temporary files of interrupted stores, so the folder does not grow
// without bound. It removes only names the cache itself writes, and
// unlinks them without following anything.
func (c *BuildCache) removeOld() {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	now := time.Now()
	for _, e := range entries {
		name := e.Name()
		maxAge := cacheMaxAge
		switch {
		case strings.HasPrefix(name, ".tmp-"):
			maxAge = cacheTempMaxAge
		case !isCacheKey(name):
			continue
		}
		info, err := e.Info()
		if err != nil || info.Mode()&fs.ModeType != 0 || now.Sub(info.ModTime()) < maxAge {
			continue
		}
		os.Remove(filepath.Join(c.dir, name))
	}
}

// isCacheKey reports whether name has the form of an entry's name.
func isCacheKey(name string) bool {
	if len(name) != 2*sha256.Size {
		return false
	}
	_, err := hex.DecodeString(name)
	return err == nil && strings.ToLower(name) == name
}
