package expr

import (
	"sync"

	"github.com/dynago/dynago/ddb"
)

// The syntax phase depends only on the expression text, and applications
// send the same few expressions over and over, so its results (trees and
// errors) are cached by text. Binding names and values is per request.
//
// The cache has two generations: lookups check the current one, then the
// previous one (promoting what they find); when the current generation is
// full it becomes the previous one. Memory stays bounded and the expressions
// in use stay cached.

const cacheGeneration = 2048 // entries per generation

type cacheKey struct {
	kind exprKind
	src  string
}

type cacheEntry struct {
	tree *syntaxTree
	err  error
}

type syntaxCache struct {
	mu        sync.Mutex
	cur, prev map[cacheKey]cacheEntry
}

var cache = &syntaxCache{cur: map[cacheKey]cacheEntry{}}

// maxCachedLen keeps unusually long expressions out of the cache.
const maxCachedLen = 1024

func cachedSyntax(kind exprKind, src string) (*syntaxTree, error) {
	if len(src) > maxCachedLen {
		return parseSyntax(kind, src)
	}
	k := cacheKey{kind, src}
	c := cache
	c.mu.Lock()
	e, ok := c.cur[k]
	if !ok {
		if e, ok = c.prev[k]; ok {
			c.putLocked(k, e)
		}
	}
	c.mu.Unlock()
	if ok {
		return e.tree, copyError(e.err)
	}
	tree, err := parseSyntax(kind, src)
	c.mu.Lock()
	c.putLocked(k, cacheEntry{tree, err})
	c.mu.Unlock()
	return tree, copyError(err)
}

// copyError gives each caller its own *ddb.Error, so that no caller can
// change a cached one.
func copyError(err error) error {
	if e, ok := err.(*ddb.Error); ok {
		c := *e
		return &c
	}
	return err
}

func (c *syntaxCache) putLocked(k cacheKey, e cacheEntry) {
	if len(c.cur) >= cacheGeneration {
		c.prev = c.cur
		c.cur = make(map[cacheKey]cacheEntry, cacheGeneration)
	}
	c.cur[k] = e
}
