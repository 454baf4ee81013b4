package source

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/data/images"
	"github.com/mlforge/mlforge/internal/text"
)

// DatasetOpener opens a stored image dataset (only the given labels, when
// any) as an image folder and returns the hash of the item manifest it
// holds. The dataset service (package datasets) is one.
type DatasetOpener func(ctx context.Context, name string, labels []string, o images.FolderOptions) (*images.Folder, string, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]DatasetOpener{}
)

// RegisterDatasets makes "dataset:NAME" sources of the data.Root whose
// Dir is dir open through o: a server registers its dataset store for the
// folder its runs read from, so that two servers in one process keep
// their datasets apart. A nil o removes the registration.
func RegisterDatasets(dir string, o DatasetOpener) {
	key := filepath.Clean(dir)
	openersMu.Lock()
	defer openersMu.Unlock()
	if o == nil {
		delete(openers, key)
		return
	}
	openers[key] = o
}

// ParseDataset splits a "dataset:NAME[:LABEL,LABEL...]" source into the
// dataset's name and labels; ok is false when p is not such a source.
func ParseDataset(p string) (name string, labels []string, ok bool) {
	rest, ok := strings.CutPrefix(p, data.DatasetPrefix)
	if !ok {
		return "", nil, false
	}
	name, list, hasLabels := strings.Cut(rest, ":")
	if hasLabels {
		for _, l := range strings.Split(list, ",") {
			labels = append(labels, strings.TrimSpace(l))
		}
	}
	return name, labels, true
}

// openDataset opens the dataset source p of root.
func openDataset(root data.Root, p string, o images.FolderOptions) (*images.Folder, error) {
	name, labels, _ := ParseDataset(p)
	openersMu.RLock()
	open := openers[filepath.Clean(root.Dir)]
	openersMu.RUnlock()
	if open == nil {
		return nil, &data.Error{Msg: fmt.Sprintf("%s names a stored dataset, and no dataset store serves this workspace (datasets are read by the server: start the run through mlforge serve)", text.Quote(text.Abbrev(p)))}
	}
	f, manifest, err := open(context.Background(), name, labels, o)
	if err != nil {
		return nil, &data.Error{Msg: fmt.Sprintf("%s: %v", text.Quote(text.Abbrev(p)), err), Err: err}
	}
	wp := weak.Make(f)
	manifests.Store(wp, manifest)
	runtime.AddCleanup(f, func(wp weak.Pointer[images.Folder]) { manifests.Delete(wp) }, wp)
	return f, nil
}

// manifests maps the folders opened from stored datasets to the hashes of
// their item manifests, without keeping the folders (and their caches)
// alive.
var manifests sync.Map // weak.Pointer[images.Folder] → string

// Manifest returns the hash of the item manifest of f when OpenFolder
// opened it from a stored dataset ("dataset:NAME"), "" otherwise: a run
// records it to name the exact images it trained on.
func Manifest(f *images.Folder) string {
	v, _ := manifests.Load(weak.Make(f))
	m, _ := v.(string)
	return m
}
