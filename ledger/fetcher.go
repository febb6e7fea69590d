package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/transparency-dev/tessera/api/layout"
)

// maxResourceSize bounds what the verifier reads for one resource: a full
// entry bundle of 256 maximum-size entries is about 1 MiB.
const maxResourceSize = 4 << 20

// httpFetcher reads tlog-tiles resources over HTTP for the verifier. Tessera's
// client package formats some fetch errors with %v, losing their type, so the
// fetcher also remembers the first failure itself to report which resource
// was missing or unreadable.
type httpFetcher struct {
	base   *url.URL
	client *http.Client

	mu      sync.Mutex
	failure error
}

func newHTTPFetcher(base string, c *http.Client) (*httpFetcher, error) {
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("log URL %q is not an absolute http(s) URL", base)
	}
	if c == nil {
		c = http.DefaultClient
	}
	return &httpFetcher{base: u, client: c}, nil
}

func (f *httpFetcher) record(err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failure == nil {
		f.failure = err
	}
	return err
}

// firstFailure returns the first fetch failure, or nil.
func (f *httpFetcher) firstFailure() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failure
}

// get fetches the resource at path p. A 404 returns a *ResourceError
// wrapping ErrMissingResource (which also matches fs.ErrNotExist, as
// Tessera's client expects).
func (f *httpFetcher) get(ctx context.Context, p string) ([]byte, error) {
	u := f.base.JoinPath(p)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", p, err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.record(&ResourceError{Path: p, Err: fmt.Errorf("fetch failed: %w", err)})
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, &ResourceError{Path: p, Err: errMissing}
	default:
		return nil, f.record(&ResourceError{Path: p, Err: fmt.Errorf("fetch failed: HTTP status %s", resp.Status)})
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResourceSize+1))
	if err != nil {
		return nil, f.record(&ResourceError{Path: p, Err: fmt.Errorf("fetch failed: %w", err)})
	}
	if len(b) > maxResourceSize {
		return nil, f.record(&ResourceError{Path: p, Err: fmt.Errorf("%w: larger than %d bytes", ErrCorruptResource, maxResourceSize)})
	}
	return b, nil
}

// errMissing is ErrMissingResource that also satisfies errors.Is(err,
// fs.ErrNotExist).
var errMissing = missingError{}

type missingError struct{}

func (missingError) Error() string { return ErrMissingResource.Error() }
func (missingError) Is(target error) bool {
	return target == ErrMissingResource || target == fs.ErrNotExist
}

// getPartialOrFull fetches a tile or bundle of partial width p, falling
// back to the full one (which a log may serve once the partial is garbage
// collected). Only if both are missing does it record the failure, naming
// the partial path the checkpoint calls for.
func (f *httpFetcher) getPartialOrFull(ctx context.Context, path func(p uint8) string, p uint8) ([]byte, error) {
	b, err := f.get(ctx, path(p))
	if err == nil || p == 0 || !errors.Is(err, ErrMissingResource) {
		if errors.Is(err, ErrMissingResource) {
			f.record(err)
		}
		return b, err
	}
	if b, err2 := f.get(ctx, path(0)); err2 == nil {
		return b, nil
	}
	return nil, f.record(err)
}

func (f *httpFetcher) ReadCheckpoint(ctx context.Context) ([]byte, error) {
	b, err := f.get(ctx, layout.CheckpointPath)
	if errors.Is(err, ErrMissingResource) {
		f.record(err)
	}
	return b, err
}

func (f *httpFetcher) ReadTile(ctx context.Context, l, i uint64, p uint8) ([]byte, error) {
	return f.getPartialOrFull(ctx, func(p uint8) string { return layout.TilePath(l, i, p) }, p)
}

func (f *httpFetcher) ReadEntryBundle(ctx context.Context, i uint64, p uint8) ([]byte, error) {
	return f.getPartialOrFull(ctx, func(p uint8) string { return layout.EntriesPath(i, p) }, p)
}
