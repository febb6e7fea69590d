package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
)

// Each area of the platform keeps its own catalogue files, AREA.LANG.json
// (core.en.json, consult.fr.json, ...), merged at load; a key defined twice
// is an error.
//
//go:embed i18n/*.json
var catalogFiles embed.FS

// Languages are the interface languages, in the order the switch shows them.
var Languages = []string{"en", "fr"}

// Catalog holds every interface string in every language, keyed by message
// key. Domain packages return message keys (for example in
// pallmall.ValidationError); only this layer turns them into words.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog reads the embedded message catalogues.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{msgs: make(map[string]map[string]string)}
	for _, lang := range Languages {
		files, err := fs.Glob(catalogFiles, "i18n/*."+lang+".json")
		if err != nil {
			return nil, err
		}
		merged := make(map[string]string)
		for _, f := range files {
			b, err := catalogFiles.ReadFile(f)
			if err != nil {
				return nil, err
			}
			m := make(map[string]string)
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			for k, v := range m {
				if _, dup := merged[k]; dup {
					return nil, fmt.Errorf("%s: key %q is defined in another catalogue too", f, k)
				}
				merged[k] = v
			}
		}
		c.msgs[lang] = merged
	}
	return c, nil
}

// T returns the message for key in lang, formatted with args as by
// fmt.Sprintf. An unknown key shows as the key itself, which the catalogue
// tests prevent from reaching a page.
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs["en"]
	}
	s, ok := m[key]
	if !ok {
		if s, ok = c.msgs["en"][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether key exists in lang.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Keys returns the sorted keys of lang's catalogue.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
