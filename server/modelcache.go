package server

import (
	"container/list"
	"sync"

	"github.com/mlforge/mlforge/model"
)

// DefaultModelCacheBytes is the default bound of the loaded-model cache.
const DefaultModelCacheBytes = 1 << 30

// modelCache keeps loaded models by run id, least recently used evicted
// first once their sizes (the model files' sizes) exceed max. A model
// larger than max is served but not kept.
type modelCache struct {
	mu    sync.Mutex
	max   int64
	bytes int64
	ll    *list.List // front = most recently used
	items map[string]*list.Element
}

type cachedModel struct {
	id   string
	m    *model.Model
	size int64
}

func newModelCache(max int64) *modelCache {
	if max <= 0 {
		max = DefaultModelCacheBytes
	}
	return &modelCache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *modelCache) get(id string) (*model.Model, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[id]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cachedModel).m, true
}

func (c *modelCache) put(id string, m *model.Model, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.remove(e)
	}
	if size > c.max {
		return
	}
	c.items[id] = c.ll.PushFront(&cachedModel{id, m, size})
	c.bytes += size
	for c.bytes > c.max {
		c.remove(c.ll.Back())
	}
}

func (c *modelCache) remove(e *list.Element) {
	cm := e.Value.(*cachedModel)
	c.ll.Remove(e)
	delete(c.items, cm.id)
	c.bytes -= cm.size
}

// stats returns the number of models kept and their bytes.
func (c *modelCache) stats() (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len(), c.bytes
}

func (c *modelCache) delete(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[id]; ok {
		c.remove(e)
	}
}
