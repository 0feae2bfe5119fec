package core

import (
	"slices"
	"sync"

	"github.com/resshift/resshift/core/sampler"
)

// runKey identifies the shapes of a run's buffers and bindings: runs with equal keys are interchangeable.
type runKey struct {
	n, tw, th int // batch and LR tile
	kind      sampler.Kind
}

// runPool keeps idle runs per key, so that calls with a tile shape seen before reuse its buffers and ONNX
// Runtime bindings (tensors bound once per shape, not per call). It holds at most maxIdle runs per key and
// maxKeys keys; putting a run of a new key drops the least recently used key's runs. Safe for concurrent use.
type runPool struct {
	mu      sync.Mutex
	maxIdle int
	maxKeys int
	idle    map[runKey][]*run
	order   []runKey // keys, least recently used first
	closed  bool
}

func newRunPool(maxIdle, maxKeys int) *runPool {
	return &runPool{maxIdle: maxIdle, maxKeys: maxKeys, idle: map[runKey][]*run{}}
}

// get returns an idle run for key, or nil.
func (p *runPool) get(key runKey) *run {
	p.mu.Lock()
	defer p.mu.Unlock()
	rs := p.idle[key]
	if len(rs) == 0 {
		return nil
	}
	r := rs[len(rs)-1]
	p.idle[key] = rs[:len(rs)-1]
	return r
}

// put returns r to the pool, or releases it when the pool is closed or full.
func (p *runPool) put(r *run) {
	r.plan, r.src, r.opt = nil, nil, Options{} // do not keep the caller's image alive
	p.mu.Lock()
	if p.closed || len(p.idle[r.key]) >= p.maxIdle {
		p.mu.Unlock()
		r.close()
		return
	}
	p.touch(r.key)
	p.idle[r.key] = append(p.idle[r.key], r)
	var drop []*run
	for len(p.order) > p.maxKeys {
		old := p.order[0]
		p.order = p.order[1:]
		drop = append(drop, p.idle[old]...)
		delete(p.idle, old)
	}
	p.mu.Unlock()
	for _, d := range drop {
		d.close()
	}
}

// touch marks key as the most recently used (p.mu held).
func (p *runPool) touch(key runKey) {
	if i := slices.Index(p.order, key); i >= 0 {
		p.order = slices.Delete(p.order, i, i+1)
	}
	p.order = append(p.order, key)
}

// close releases every idle run; runs put later are released at once.
func (p *runPool) close() {
	p.mu.Lock()
	var drop []*run
	for _, rs := range p.idle {
		drop = append(drop, rs...)
	}
	p.idle, p.order, p.closed = map[runKey][]*run{}, nil, true
	p.mu.Unlock()
	for _, d := range drop {
		d.close()
	}
}

// idleRuns reports the number of idle runs (for tests).
func (p *runPool) idleRuns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, rs := range p.idle {
		n += len(rs)
	}
	return n
}
