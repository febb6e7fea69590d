package register

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stixNamespace is the UUIDv5 namespace of this register's STIX ids, so an
// object keeps its id from one export to the next.
var stixNamespace = [16]byte{0x6b, 0x1e, 0x2f, 0x3a, 0x52, 0x8c, 0x4d, 0x1f, 0x9a, 0x0b, 0x7c, 0x2d, 0x44, 0x61, 0x90, 0x3e}

// stixID returns a deterministic STIX identifier (a version 5 UUID) for an
// object of type typ named by name.
func stixID(typ, name string) string {
	h := sha1.New()
	h.Write(stixNamespace[:])
	h.Write([]byte(typ + ":" + name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return typ + "--" + x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// stixConfidence maps confidence levels to STIX's 0-100 scale.
var stixConfidence = map[Confidence]int{Confirmed: 90, Likely: 65, Reported: 35}

func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type stixRef struct {
	SourceName  string `json:"source_name"`
	URL         string `json:"url,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
	Description string `json:"description,omitempty"`
}

func stixRefs(r Record, base string) []stixRef {
	refs := []stixRef{{SourceName: "pallmall-register", URL: base + "/register/records/" + strconv.FormatInt(r.ID, 10), ExternalID: strconv.FormatInt(r.ID, 10)}}
	for _, s := range r.Sources {
		ref := stixRef{SourceName: s.Publisher, Description: strings.TrimSpace(s.Date + " " + s.Supports)}
		if s.IsURL() {
			ref.URL = s.Ref
		} else {
			ref.Description = strings.TrimSpace(s.Ref + " (" + s.Date + ")")
		}
		refs = append(refs, ref)
	}
	return refs
}

// ExportSTIX writes the published incidents as a STIX 2.1 bundle for
// threat researchers: each incident with the malware (product), identity
// (vendor), vulnerabilities (CVE ids) and indicators (domains, addresses,
// file hashes) linked to it by relationships. base is the platform's
// public URL, for links back to the records.
func (s *Service) ExportSTIX(ctx context.Context, w io.Writer, base string) error {
	incidents, err := s.All(ctx, Incident)
	if err != nil {
		return err
	}
	var refIDs []int64
	for _, r := range incidents {
		refIDs = append(refIDs, r.RefOf("vendor"), r.RefOf("product"))
	}
	linked, err := s.Records(ctx, refIDs)
	if err != nil {
		return err
	}
	var objects []map[string]any
	seen := map[string]bool{}
	add := func(o map[string]any) string {
		id := o["id"].(string)
		if !seen[id] {
			seen[id] = true
			o["spec_version"] = "2.1"
			objects = append(objects, o)
		}
		return id
	}
	relate := func(typ, from, to string, at string) {
		add(map[string]any{"type": "relationship", "id": stixID("relationship", from+typ+to), "created": at, "modified": at,
			"relationship_type": typ, "source_ref": from, "target_ref": to})
	}
	for _, inc := range incidents {
		created, modified := stixTime(inc.CreatedAt), stixTime(inc.UpdatedAt)
		desc := inc.SummaryEN
		if desc == "" {
			desc = "Target group: " + inc.Get("target_group") + "; target country: " + inc.Get("target_country") + "; outcome: " + inc.Get("outcome") + "."
		}
		o := map[string]any{
			"type": "incident", "id": stixID("incident", strconv.FormatInt(inc.ID, 10)), "created": created, "modified": modified,
			"name": inc.Name, "description": desc, "confidence": stixConfidence[inc.Confidence],
			"external_references":       stixRefs(inc, base),
			"labels":                    []string{"target-group:" + inc.Get("target_group"), "outcome:" + inc.Get("outcome")},
			"x_pallmall_target_country": inc.Get("target_country"),
			"x_pallmall_first_activity": inc.Get("first_activity"),
			"x_pallmall_disclosed_by":   inc.Get("disclosed_by"),
		}
		if v := inc.Get("vector"); v != "" {
			o["labels"] = append(o["labels"].([]string), "vector:"+v)
		}
		for _, k := range []string{"operator_country", "last_activity", "forensic_method", "platform_notified"} {
			if v := inc.Get(k); v != "" {
				o["x_pallmall_"+k] = v
			}
		}
		incID := add(o)
		var malwareID string
		if p, ok := linked[inc.RefOf("product")]; ok {
			m := map[string]any{"type": "malware", "id": stixID("malware", strconv.FormatInt(p.ID, 10)), "created": stixTime(p.CreatedAt), "modified": stixTime(p.UpdatedAt),
				"name": p.Name, "is_family": true, "malware_types": []string{stixMalwareType(p.Get("product_class"))},
				"confidence": stixConfidence[p.Confidence], "external_references": stixRefs(p, base)}
			if pl := p.ListOf("platforms"); len(pl) > 0 {
				m["x_pallmall_platforms"] = pl
			}
			malwareID = add(m)
			relate("related-to", incID, malwareID, created)
		}
		if v, ok := linked[inc.RefOf("vendor")]; ok {
			vid := add(map[string]any{"type": "identity", "id": stixID("identity", strconv.FormatInt(v.ID, 10)), "created": stixTime(v.CreatedAt), "modified": stixTime(v.UpdatedAt),
				"name": v.Name, "identity_class": "organization", "sectors": []string{"technology"}, "external_references": stixRefs(v, base)})
			relate("related-to", incID, vid, created)
		}
		for _, cve := range inc.ListOf("exploits") {
			vuln := add(map[string]any{"type": "vulnerability", "id": stixID("vulnerability", cve), "created": created, "modified": created,
				"name": cve, "external_references": []stixRef{{SourceName: "cve", ExternalID: cve}}})
			relate("related-to", incID, vuln, created)
			if malwareID != "" {
				relate("exploits", malwareID, vuln, created)
			}
		}
		for _, ind := range inc.ListOf("indicators") {
			kind, value, _ := strings.Cut(ind, ":")
			pattern := map[string]string{
				"domain": "[domain-name:value = '%s']",
				"ipv4":   "[ipv4-addr:value = '%s']",
				"sha256": "[file:hashes.'SHA-256' = '%s']",
			}[kind]
			if pattern == "" {
				continue
			}
			iid := add(map[string]any{"type": "indicator", "id": stixID("indicator", ind), "created": created, "modified": created,
				"name": ind, "indicator_types": []string{"malicious-activity"}, "pattern_type": "stix", "valid_from": created,
				"pattern": strings.Replace(pattern, "%s", strings.ReplaceAll(value, "'", "\\'"), 1)})
			relate("indicates", iid, incID, created)
		}
	}
	slices.SortStableFunc(objects, func(a, b map[string]any) int { return strings.Compare(a["type"].(string), b["type"].(string)) })
	if objects == nil {
		objects = []map[string]any{}
	}
	bundle := map[string]any{"type": "bundle", "id": stixID("bundle", "incidents"), "objects": objects}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(bundle)
}

func stixMalwareType(class string) string {
	switch class {
	case "spyware_implant":
		return "spyware"
	case "exploit":
		return "exploit-kit"
	case "access_as_a_service":
		return "remote-access-trojan"
	}
	return "unknown"
}
