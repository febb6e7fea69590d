package web

import (
	"sort"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/pallmall/pallmall/auth"
)

// sortOrgs orders organisations by name as a reader of lang expects
// (so "Égypte" sorts with the Es in French).
func sortOrgs(orgs []auth.Organisation, lang string) {
	c := collate.New(language.Make(lang), collate.IgnoreCase)
	sort.SliceStable(orgs, func(i, j int) bool {
		return c.CompareString(orgs[i].Name(lang), orgs[j].Name(lang)) < 0
	})
}
