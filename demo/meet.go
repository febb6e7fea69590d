package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
	"github.com/pallmall/pallmall/meet"
)

// loadMeetings adds the London 2024 and Paris 2025 plenaries as past
// meetings with their outcomes (linked to the framework versions and the
// paper endorsements loadDeclare records), and an intermediary meeting a
// few weeks ahead, open for registration. It runs after loadDeclare.
func loadMeetings(ctx context.Context, c Config, orgs map[string]int64) error {
	svc := &meet.Service{DB: c.DB, Directory: c.Auth, PublicURL: c.PublicURL, Keys: c.Auth.Keys}
	frameworks := &declare.Service{DB: c.DB}
	sys := auth.System
	at := func(zone string, y int, mo time.Month, d, h, mi int) time.Time {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			panic(err) // the zones below are in every zone database
		}
		return time.Date(y, mo, d, h, mi, 0, 0, loc).UTC()
	}
	// endorsed finds the endorsements each organisation made of a
	// framework, to link them from the meeting's outcome.
	endorsed := func(frameworkID string, names ...string) ([]meet.Endorsement, error) {
		all, err := frameworks.Endorsements(ctx, declare.Filter{FrameworkID: frameworkID})
		if err != nil {
			return nil, err
		}
		var out []meet.Endorsement
		for _, n := range names {
			e := meet.Endorsement{OrganisationID: orgs[n]}
			for _, x := range all {
				if x.Organisation.ID == orgs[n] {
					e.EndorsementID = x.ID
				}
			}
			out = append(out, e)
		}
		return out, nil
	}
	register := func(m meet.Meeting, org string, interp meet.Interpretation, people ...string) error {
		d := meet.Delegation{Head: meet.Participant{Name: people[0], JobTitle: "Special envoy (demo)"}, Interpretation: interp}
		for _, p := range people[1:] {
			d.Members = append(d.Members, meet.Participant{Name: p})
		}
		_, err := svc.Register(ctx, sys, m.ID, orgs[org], d)
		return err
	}

	type past struct {
		meeting     meet.Meeting
		invited     []string
		delegations [][]string // organisation, then people
		framework   string
		endorsers   []string
		outcome     meet.Outcome
	}
	london := past{
		meeting: meet.Meeting{
			TitleEN: "Pall Mall Process inaugural conference", TitleFR: "Conférence inaugurale du processus de Pall Mall",
			DescriptionEN: "Co-hosted by the United Kingdom and France at Lancaster House, the conference launched the Pall Mall Process on the proliferation and irresponsible use of commercial cyber intrusion capabilities, with over 35 states and representatives of industry, civil society and academia.",
			DescriptionFR: "Co-organisée par le Royaume-Uni et la France à Lancaster House, la conférence a lancé le processus de Pall Mall sur la prolifération et l’utilisation irresponsable des capacités commerciales d’intrusion informatique, avec plus de 35 États et des représentants de l’industrie, de la société civile et du monde universitaire.",
			Kind:          meet.Plenary, Format: meet.InPerson, Venue: "Lancaster House", City: "London", TimeZone: "Europe/London",
			StartsAt: at("Europe/London", 2024, time.February, 6, 9, 0), EndsAt: at("Europe/London", 2024, time.February, 7, 17, 0),
			RegistrationDeadline: at("Europe/London", 2024, time.January, 26, 17, 0), Capacity: 150, DelegationLimit: 4, Visibility: meet.Public,
		},
		invited:     []string{"United Kingdom", "France", "Ghana", "Japan", "Poland", "Ireland", "Council of Europe", "Halyard Secure Systems (fictional)", "Digital Defenders Network (fictional)"},
		delegations: [][]string{{"United Kingdom", "Harriet Lane", "Tom Ashby"}, {"France", "Camille Besson", "Luc Moreau"}, {"Ghana", "Kwame Asante"}, {"Council of Europe", "Ingrid Holm"}},
		framework:   "declaration",
		endorsers:   []string{"United Kingdom", "France", "Ghana"},
		outcome: meet.Outcome{
			SummaryEN: "Participants recognised the threat that the proliferation and irresponsible use of commercial cyber intrusion capabilities poses to national security, human rights and the stability of cyberspace.\n\nThe co-hosts launched the Pall Mall Process and opened the Declaration for endorsement, around four pillars: accountability, precision, oversight and transparency. (Demonstration summary.)",
			SummaryFR: "Les participants ont reconnu la menace que la prolifération et l’utilisation irresponsable des capacités commerciales d’intrusion informatique font peser sur la sécurité nationale, les droits de l’homme et la stabilité du cyberespace.\n\nLes co-organisateurs ont lancé le processus de Pall Mall et ouvert la Déclaration à la souscription, autour de quatre piliers : responsabilité, précision, contrôle et transparence. (Résumé de démonstration.)",
			AdoptedEN: "Pall Mall Process Declaration", AdoptedFR: "Déclaration du processus de Pall Mall",
		},
	}
	paris := past{
		meeting: meet.Meeting{
			TitleEN: "Pall Mall Process plenary, Paris", TitleFR: "Session plénière du processus de Pall Mall, Paris",
			DescriptionEN: "The second plenary, hosted by France, where states adopted the Code of Practice for States.",
			DescriptionFR: "La deuxième session plénière, accueillie par la France, au cours de laquelle les États ont adopté le Code de bonnes pratiques pour les États.",
			Kind:          meet.Plenary, Format: meet.Hybrid, Venue: "Ministère de l’Europe et des Affaires étrangères", City: "Paris", TimeZone: "Europe/Paris",
			StartsAt: at("Europe/Paris", 2025, time.April, 3, 9, 30), EndsAt: at("Europe/Paris", 2025, time.April, 4, 16, 0),
			RegistrationDeadline: at("Europe/Paris", 2025, time.March, 21, 18, 0), Capacity: 200, DelegationLimit: 4, Visibility: meet.Public, ChathamHouse: true,
		},
		invited:     []string{"United Kingdom", "France", "Ghana", "Japan", "Poland", "Ireland", "Côte d'Ivoire", "Switzerland", "Council of Europe", "Organisation for Economic Co-operation and Development", "Meridian Platforms (fictional)", "Press Freedom Lab (fictional)"},
		delegations: [][]string{{"France", "Camille Besson", "Luc Moreau", "Anne Girard"}, {"United Kingdom", "Harriet Lane"}, {"Poland", "Piotr Nowak"}, {"Ghana", "Kwame Asante", "Efua Mensah"}, {"Côte d'Ivoire", "Awa Koné"}},
		framework:   "code-of-practice-states",
		endorsers:   []string{"Ghana", "Poland"},
		outcome: meet.Outcome{
			SummaryEN: "States adopted the Code of Practice for States, setting out good practice for states as regulators, customers and users of commercial cyber intrusion capabilities.\n\nDelegations discussed next steps for industry and civil society engagement. (Demonstration summary.)",
			SummaryFR: "Les États ont adopté le Code de bonnes pratiques pour les États, qui énonce les bonnes pratiques des États en tant que régulateurs, clients et utilisateurs de capacités commerciales d’intrusion informatique.\n\nLes délégations ont examiné les prochaines étapes de l’association de l’industrie et de la société civile. (Résumé de démonstration.)",
			AdoptedEN: "Code of Practice for States", AdoptedFR: "Code de bonnes pratiques pour les États",
		},
	}
	for _, p := range []past{london, paris} {
		m, err := svc.CreateMeeting(ctx, sys, p.meeting)
		if err != nil {
			return fmt.Errorf("meeting %s: %w", p.meeting.TitleEN, err)
		}
		for _, o := range p.invited {
			if err := svc.Invite(ctx, sys, m.ID, orgs[o]); err != nil {
				return fmt.Errorf("invite %s: %w", o, err)
			}
		}
		for _, d := range p.delegations {
			if err := register(m, d[0], meet.IntoBoth, d[1:]...); err != nil {
				return fmt.Errorf("register %s: %w", d[0], err)
			}
		}
		start := m.Local(m.StartsAt)
		for i, s := range []struct{ en, fr, speaker string }{
			{"Opening by the co-hosts", "Ouverture par les co-organisateurs", "United Kingdom"},
			{"The threat landscape", "L’état de la menace", "France"},
			{"Discussion and endorsement", "Discussion et souscription", "Ghana"},
		} {
			sess := meet.Session{MeetingID: m.ID, TitleEN: s.en, TitleFR: s.fr, Room: "Main hall",
				StartsAt: start.Add(time.Duration(i*90) * time.Minute).UTC(), EndsAt: start.Add(time.Duration(i*90+75) * time.Minute).UTC(),
				Speakers: []meet.Speaker{{OrganisationID: orgs[s.speaker]}}}
			if _, err := svc.AddSession(ctx, sys, sess); err != nil {
				return fmt.Errorf("session %s: %w", s.en, err)
			}
		}
		o := p.outcome
		if v, err := frameworks.Version(ctx, p.framework, ""); err == nil {
			o.FrameworkVersionID = v.ID
		}
		es, err := endorsed(p.framework, p.endorsers...)
		if err != nil {
			return err
		}
		if err := svc.PublishOutcome(ctx, sys, m.ID, o, es); err != nil {
			return fmt.Errorf("outcome of %s: %w", m.TitleEN, err)
		}
	}

	// An intermediary meeting on a Tuesday six weeks or so ahead, open for registration, with
	// room for a few delegations only so the waiting list shows.
	zurich, _ := time.LoadLocation("Europe/Zurich")
	day := time.Now().In(zurich).AddDate(0, 0, 42)
	for day.Weekday() != time.Tuesday {
		day = day.AddDate(0, 0, 1)
	}
	start := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, zurich).UTC()
	m, err := svc.CreateMeeting(ctx, sys, meet.Meeting{
		TitleEN: "Intermediary meeting on industry good practice", TitleFR: "Réunion intermédiaire sur les bonnes pratiques de l’industrie",
		DescriptionEN: "Hosted by Switzerland in Geneva and online: states, industry and civil society discuss good practice for companies in the market for cyber intrusion capabilities, ahead of the next plenary.",
		DescriptionFR: "Accueillie par la Suisse à Genève et en ligne : États, industrie et société civile examinent les bonnes pratiques des entreprises du marché des capacités d’intrusion informatique, en vue de la prochaine plénière.",
		Kind:          meet.Intermediary, Format: meet.Hybrid, Venue: "Palais des Nations, Room XVIII", City: "Geneva", TimeZone: "Europe/Zurich",
		StartsAt: start, EndsAt: start.Add(7*time.Hour + 30*time.Minute), RegistrationDeadline: start.Add(-14 * 24 * time.Hour),
		Capacity: 8, DelegationLimit: 3, Visibility: meet.Public, ChathamHouse: true,
	})
	if err != nil {
		return fmt.Errorf("upcoming meeting: %w", err)
	}
	for _, o := range []string{"United Kingdom", "France", "Switzerland", "Ghana", "Japan", "Halyard Secure Systems (fictional)", "Northlight Threat Research (fictional)", "Digital Defenders Network (fictional)", "Press Freedom Lab (fictional)"} {
		if err := svc.Invite(ctx, sys, m.ID, orgs[o]); err != nil {
			return fmt.Errorf("invite %s: %w", o, err)
		}
	}
	if err := register(m, "Switzerland", meet.IntoFrench, "Lea Baumann", "Marc Favre"); err != nil {
		return err
	}
	if err := register(m, "Ghana", meet.IntoEnglish, "Kwame Asante", "Efua Mensah", "Yaw Boateng"); err != nil {
		return err
	}
	local := m.Local(m.StartsAt)
	code, _ := frameworks.Version(ctx, "code-of-practice-states", "")
	for i, s := range []struct {
		en, fr   string
		speakers []string
		links    []meet.Link
	}{
		{"Welcome and objectives", "Accueil et objectifs", []string{"Switzerland"}, nil},
		{"Implementing the Code of Practice for States", "Mise en œuvre du Code de bonnes pratiques pour les États", []string{"Ghana", "France"}, []meet.Link{{Kind: meet.LinkFrameworkVersion, RefID: code.ID}}},
		{"Industry good practice: know your customer", "Bonnes pratiques de l’industrie : connaître son client", []string{"Halyard Secure Systems (fictional)", "Digital Defenders Network (fictional)"}, []meet.Link{{Kind: meet.LinkRegisterStatistics}}},
	} {
		sess := meet.Session{MeetingID: m.ID, TitleEN: s.en, TitleFR: s.fr, Room: "Room XVIII",
			StartsAt: local.Add(time.Duration(i*120) * time.Minute).UTC(), EndsAt: local.Add(time.Duration(i*120+90) * time.Minute).UTC()}
		for _, sp := range s.speakers {
			sess.Speakers = append(sess.Speakers, meet.Speaker{OrganisationID: orgs[sp]})
		}
		if code.ID == 0 {
			s.links = nil
		}
		sess.Links = s.links
		if _, err := svc.AddSession(ctx, sys, sess); err != nil {
			return fmt.Errorf("session %s: %w", s.en, err)
		}
	}
	return nil
}
