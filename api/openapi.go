package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync"
)

// The OpenAPI document is kept as one fragment per area of the platform
// (core.json, consult.json, ...): core.json holds the document's head and
// shared schemas; every fragment adds "paths" and "components.schemas".
// A path or schema defined twice is an error.
//
//go:embed openapi/*.json
var openAPIFragments embed.FS

var openAPIOnce = sync.OnceValues(buildOpenAPI)

// OpenAPI returns the merged OpenAPI 3.1 document.
func OpenAPI() ([]byte, error) { return openAPIOnce() }

func buildOpenAPI() ([]byte, error) {
	names, err := fs.Glob(openAPIFragments, "openapi/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var doc map[string]any
	paths := map[string]any{}
	schemas := map[string]any{}
	for _, n := range names {
		b, err := openAPIFragments.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if n == "openapi/core.json" {
			doc = frag
		}
		if p, ok := frag["paths"].(map[string]any); ok {
			for k, v := range p {
				if _, dup := paths[k]; dup {
					return nil, fmt.Errorf("%s: path %s is defined in another fragment too", n, k)
				}
				paths[k] = v
			}
		}
		if c, ok := frag["components"].(map[string]any); ok {
			if s, ok := c["schemas"].(map[string]any); ok {
				for k, v := range s {
					if _, dup := schemas[k]; dup && n != "openapi/core.json" {
						return nil, fmt.Errorf("%s: schema %s is defined in another fragment too", n, k)
					}
					schemas[k] = v
				}
			}
		}
	}
	if doc == nil {
		return nil, fmt.Errorf("openapi/core.json is missing")
	}
	doc["paths"] = paths
	doc["components"].(map[string]any)["schemas"] = schemas
	return json.MarshalIndent(doc, "", "  ")
}
