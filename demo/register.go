package demo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/ledger"
	"github.com/pallmall/pallmall/register"
)

// loadRegister fills the market oversight register with a small, wholly
// fictional market: made-up firms (every name ends in "(fictional)"), a
// made-up founder, and incidents in fictional states (the user-assigned
// country codes XA to XZ), so that no real company, person or state is
// named as misbehaving. It exercises every kind of record and relationship,
// and leaves one proposal waiting for review and one rejected takedown
// request, so the review pages have something to show.
func loadRegister(ctx context.Context, c Config, orgs map[string]int64) error {
	svc := &register.Service{DB: c.DB}
	src := func(ref, publisher, date string) []register.Source {
		return []register.Source{{Ref: ref, Publisher: publisher, Date: date}}
	}
	ids := map[string]string{}
	publish := func(key string, d register.Draft) error {
		got, err := svc.Publish(ctx, auth.System, []register.Draft{d})
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		ids[key] = strconv.FormatInt(got[0], 10)
		return nil
	}
	entity := func(key, name, kind, inc, founded, status string, conf register.Confidence, extra map[string]string) error {
		f := map[string]string{"entity_kind": kind, "incorporated": inc, "founded": founded, "status": status}
		for k, v := range extra {
			f[k] = v
		}
		return publish(key, register.Draft{Kind: register.Entity, Name: name, Confidence: conf, Fields: f,
			SummaryEN: "Demonstration record: this firm does not exist.", SummaryFR: "Fiche de démonstration : cette entreprise n’existe pas.",
			Sources: src("https://demo.pallmall.example/sources/"+key, "Demo Research Collective (fictional)", "2025-01-15")})
	}
	steps := []func() error{
		func() error {
			return entity("corvid", "Corvid Intrusion Systems (fictional)", "vendor", "CY", "2014-05", "renamed", register.Confirmed, map[string]string{"operates": "CY; GR", "aliases": "Corvid IS; CIS Labs"})
		},
		func() error {
			return entity("nightjar", "Nightjar Labs (fictional)", "vendor", "IE", "2021-02", "active", register.Likely, map[string]string{"predecessor": ids["corvid"], "website": "https://nightjar.demo.pallmall.example"})
		},
		func() error {
			return entity("halcyon", "Halcyon Capital Partners (fictional)", "investor", "LU", "2009", "active", register.Reported, nil)
		},
		func() error {
			return entity("wren", "Wren Exploit Brokerage (fictional)", "broker", "MT", "2018", "active", register.Likely, nil)
		},
		func() error {
			return entity("kestrel", "Kestrel Holdings (fictional)", "holding", "LU", "2012", "active", register.Confirmed, nil)
		},
		func() error {
			return entity("shrike", "Shrike Access (fictional)", "hack_for_hire", "XR", "2019", "active", register.Reported, nil)
		},
		func() error {
			return entity("plover", "Plover Forensics (fictional)", "vendor", "NL", "2011", "active", register.Confirmed, nil)
		},
		func() error {
			return entity("sandpiper", "Sandpiper Cloud Services (fictional)", "supplier", "DE", "2015", "active", register.Reported, nil)
		},
		func() error {
			return publish("founder", register.Draft{Kind: register.Person, Name: "Alex Demo-Founder (fictional)", Confidence: register.Likely,
				Fields:  map[string]string{"nationality": "XR", "public_basis": "Named as founder in the fictional firm's own press releases."},
				Sources: src("https://demo.pallmall.example/sources/founder", "Demo Business Wire (fictional)", "2021-03-01")})
		},
	}
	rel := func(from, relation, to, share, start, end string) func() error {
		return func() error {
			f := map[string]string{"from": ids[from], "relation": relation, "to": ids[to], "start": start}
			if share != "" {
				f["share"] = share
			}
			if end != "" {
				f["end"] = end
			}
			return publish(from+"-"+relation+"-"+to, register.Draft{Kind: register.Relationship, Confidence: register.Likely, Fields: f,
				Sources: src("https://demo.pallmall.example/sources/"+from+"-"+to, "Demo Companies Registry (fictional)", start)})
		}
	}
	steps = append(steps,
		rel("kestrel", "owns", "nightjar", "75", "2021", ""),
		rel("halcyon", "invests_in", "nightjar", "20", "2022", ""),
		rel("nightjar", "subsidiary_of", "kestrel", "", "2021", ""),
		rel("sandpiper", "supplies", "nightjar", "", "2022", ""),
		rel("wren", "resells", "nightjar", "", "2023", ""),
		rel("founder", "founder_of", "corvid", "", "2014", "2020"),
		rel("founder", "executive_of", "nightjar", "", "2021", ""),
		rel("founder", "alumni_of", "plover", "", "2011", "2013"),
		rel("nightjar", "employs", "founder", "", "2021", ""),
	)
	product := func(key, vendor, name, class, vectors, cves, first string) func() error {
		return func() error {
			return publish(key, register.Draft{Kind: register.Product, Name: name, Confidence: register.Confirmed,
				Fields:  map[string]string{"vendor": ids[vendor], "product_class": class, "platforms": "iOS; Android", "vectors": vectors, "cves": cves, "first_seen": first},
				Sources: src("https://demo.pallmall.example/sources/"+key, "Demo Threat Lab (fictional)", first)})
		}
	}
	steps = append(steps,
		product("magpie", "nightjar", "Magpie implant (fictional)", "spyware_implant", "zero_click; one_click", "CVE-2099-0001; CVE-2099-0002", "2022-06"),
		product("corvid-rat", "corvid", "Corvid RAT (fictional)", "spyware_implant", "one_click; network_injection", "", "2016-09"),
		product("plover-kit", "plover", "Plover Extract (fictional)", "forensic_extraction", "physical", "", "2012"),
		product("wren-chain", "wren", "Wren iOS chain (fictional)", "exploit", "zero_click", "CVE-2099-0001", "2023-01"),
		product("shrike-access", "shrike", "Shrike remote access (fictional)", "access_as_a_service", "one_click", "", "2020"),
		func() error {
			return publish("shrike-service", register.Draft{Kind: register.HireService, Name: "Shrike mailbox access (fictional)", Confidence: register.Reported,
				Fields:  map[string]string{"provider": ids["shrike"], "offered": "Access to email and messaging accounts for paying clients.", "targets_reported": "Lawyers in commercial disputes"},
				Sources: src("https://demo.pallmall.example/sources/shrike", "Demo Newsroom (fictional)", "2024-04")})
		},
	)
	customer := func(key, country, agency, vendor, prod, start string) func() error {
		return func() error {
			return publish(key, register.Draft{Kind: register.Customer, Name: "Fictional state " + country + " " + agency + " service", Confidence: register.Likely,
				Fields:  map[string]string{"customer_country": country, "agency_type": agency, "vendor": ids[vendor], "product": ids[prod], "start": start},
				Sources: src("https://demo.pallmall.example/sources/"+key, "Demo Procurement Watch (fictional)", start)})
		}
	}
	steps = append(steps,
		customer("cust-xr", "XR", "intelligence", "nightjar", "magpie", "2022"),
		customer("cust-xb", "XB", "police", "plover", "plover-kit", "2019"),
		customer("cust-xc", "XC", "military", "corvid", "corvid-rat", "2017"),
		func() error {
			return publish("export-1", register.Draft{Kind: register.Export, Name: "Licence for Magpie to fictional state XR", Confidence: register.Confirmed,
				Fields: map[string]string{"issuing_state": "XA", "exporter": ids["nightjar"], "product": ids["magpie"], "destination": "XR", "end_user_type": "intelligence",
					"decision": "denied", "hr_assessment": "HRA-2023-17 (fictional)", "decided": "2023-11-02"},
				Sources: src("https://demo.pallmall.example/sources/export-1", "Fictional state XA export control authority", "2024-02")})
		},
		func() error {
			return publish("export-2", register.Draft{Kind: register.Export, Name: "Licence for Plover Extract to fictional state XB", Confidence: register.Likely,
				Fields: map[string]string{"issuing_state": "NL", "exporter": ids["plover"], "product": ids["plover-kit"], "destination": "XB", "end_user_type": "police",
					"decision": "granted", "decided": "2019-04"},
				Sources: src("https://demo.pallmall.example/sources/export-2", "Demo Export Control Tracker (fictional)", "2020-01")})
		},
	)
	incident := func(key, name, group, country, op, vendor, prod, vector, outcome, first string) func() error {
		return func() error {
			f := map[string]string{"target_group": group, "target_country": country, "operator_country": op, "vendor": ids[vendor], "vector": vector,
				"outcome": outcome, "first_activity": first, "disclosed_by": "Demo Digital Rights Lab (fictional)", "forensic_method": "Device log analysis", "platform_notified": "yes"}
			if prod != "" {
				f["product"] = ids[prod]
			}
			if vector == "zero_click" {
				f["exploits"] = "CVE-2099-0001"
				f["indicators"] = "domain:cdn-update.demo.pallmall.example"
			}
			return publish(key, register.Draft{Kind: register.Incident, Name: name, Confidence: register.Confirmed, Fields: f,
				SummaryEN: "Demonstration case: these events did not happen.", SummaryFR: "Cas de démonstration : ces faits n’ont pas eu lieu.",
				Sources: src("https://demo.pallmall.example/sources/"+key, "Demo Digital Rights Lab (fictional)", first)})
		}
	}
	steps = append(steps,
		incident("inc-1", "Zero-click campaign against reporters (fictional)", "journalist", "XR", "XR", "nightjar", "magpie", "zero_click", "successful", "2022-09"),
		incident("inc-2", "One-click links sent to rights defenders (fictional)", "human_rights_defender", "XB", "XR", "nightjar", "magpie", "one_click", "attempted", "2023-03"),
		incident("inc-3", "Network injection against opposition figures (fictional)", "opposition_politician", "XC", "XC", "corvid", "corvid-rat", "network_injection", "successful", "2018-05"),
		incident("inc-4", "Phones seized from lawyers examined (fictional)", "lawyer", "XB", "XB", "plover", "plover-kit", "physical", "successful", "2020-11"),
		incident("inc-5", "Zero-click attempt against an official (fictional)", "official", "XD", "XR", "wren", "wren-chain", "zero_click", "attempted", "2024-02"),
		func() error {
			return publish("assessment-1", register.Draft{Kind: register.Assessment, Name: "Code of Practice assessment of Plover Forensics (fictional)", Confidence: register.Likely,
				Fields: map[string]string{"subject": ids["plover"], "code": "Pall Mall Code of Practice for Industry (demo reading)",
					"ratings": "1.1: met; 2.3: partly_met; 4.2: not_met", "evidence": "Published sales policy; no end-user audits.",
					"assessor": "Institute for Cyber Policy (fictional)", "assessed": "2025-03", "review": "2026-03"},
				Sources: src("https://demo.pallmall.example/sources/assessment-1", "Institute for Cyber Policy (fictional)", "2025-03")})
		},
	)
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	// A civil-society delegate's proposal waiting for review, and a
	// takedown request that the secretariat rejected, with its public trace.
	ngo, err := firstUser(ctx, c, orgs["Digital Defenders Network (fictional)"])
	if err != nil {
		return err
	}
	if _, err := svc.Propose(ctx, ngo, register.NewProposal{Op: ledger.OpAdd, Draft: register.Draft{Kind: register.Entity, Name: "Petrel Signals (fictional)", Confidence: register.Reported,
		Fields:  map[string]string{"entity_kind": "vendor", "incorporated": "XR", "status": "active", "founded": "2024"},
		Sources: src("https://demo.pallmall.example/sources/petrel", "Demo Newsroom (fictional)", "2025-05")}, Note: "Seen at a trade fair in 2025."}); err != nil {
		return fmt.Errorf("register proposal: %w", err)
	}
	id, _ := strconv.ParseInt(ids["plover"], 10, 64)
	p, err := svc.Propose(ctx, ngo, register.NewProposal{Op: ledger.OpRemove, RecordID: id, RequestedBy: "Plover Forensics (fictional)",
		Note: "The company wrote to ask for removal, saying it only sells to courts."})
	if err != nil {
		return fmt.Errorf("register takedown request: %w", err)
	}
	sec, err := firstUser(ctx, c, 0)
	if err != nil {
		return err
	}
	_, err = svc.Decide(ctx, sec, p.ID, register.Decision{Status: register.Rejected,
		ReasonEN: "The record is sourced from court documents; the company's customers include police forces, as it says itself.",
		ReasonFR: "La fiche s’appuie sur des documents judiciaires ; les clients de l’entreprise comprennent des services de police, comme elle l’indique elle-même."})
	return err
}

// firstUser returns the first account of an organisation as an actor, or
// with orgID 0 the first secretariat account.
func firstUser(ctx context.Context, c Config, orgID int64) (auth.Actor, error) {
	users, err := c.Auth.Users(ctx, auth.System, orgID)
	if err != nil {
		return auth.Actor{}, err
	}
	for _, u := range users {
		if orgID == 0 && u.Role != auth.Secretariat || orgID != 0 && u.OrganisationID != orgID {
			continue
		}
		return auth.Actor{UserID: u.ID, Name: u.Name, Role: u.Role, OrganisationID: u.OrganisationID, SigningAuthority: u.SigningAuthority}, nil
	}
	return auth.Actor{}, fmt.Errorf("no demo account for organisation %d", orgID)
}
