package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/deliberate"
)

// demoStatement is a seeded statement and how each planted opinion group
// leans on it: the probability of agreeing for groups 0 (rights first),
// 1 (industry self-regulation) and 2 (security services).
type demoStatement struct {
	en, fr string
	agree  [3]float64
}

var demoStatements = []demoStatement{
	{"Commercial spyware must never be used against journalists or human rights defenders.",
		"Les logiciels espions commerciaux ne doivent jamais être utilisés contre des journalistes ou des défenseurs des droits humains.", [3]float64{0.97, 0.9, 0.85}},
	{"People targeted with intrusion tools should be notified once an investigation allows it.",
		"Les personnes visées par des outils d’intrusion devraient en être informées dès qu’une enquête le permet.", [3]float64{0.95, 0.75, 0.6}},
	{"Vendors should carry out human rights due diligence before every sale.",
		"Les fournisseurs devraient mener une diligence raisonnable en matière de droits humains avant chaque vente.", [3]float64{0.95, 0.8, 0.7}},
	{"Export licences for intrusion capabilities should be published.",
		"Les licences d’exportation de capacités d’intrusion devraient être publiées.", [3]float64{0.92, 0.2, 0.15}},
	{"A public register should name every company selling intrusion capabilities.",
		"Un registre public devrait nommer chaque entreprise vendant des capacités d’intrusion.", [3]float64{0.9, 0.25, 0.35}},
	{"Industry codes of conduct are enough; binding regulation would drive sales underground.",
		"Les codes de conduite du secteur suffisent ; une réglementation contraignante pousserait les ventes dans la clandestinité.", [3]float64{0.05, 0.9, 0.1}},
	{"Vulnerability research and penetration testing must be protected from overbroad controls.",
		"La recherche de vulnérabilités et les tests d’intrusion doivent être protégés de contrôles trop larges.", [3]float64{0.6, 0.95, 0.15}},
	{"States need intrusion capabilities for serious crime and national security investigations.",
		"Les États ont besoin de capacités d’intrusion pour les enquêtes sur la criminalité grave et la sécurité nationale.", [3]float64{0.25, 0.3, 0.97}},
	{"Details of government use of intrusion tools should stay classified.",
		"Le détail de l’usage gouvernemental des outils d’intrusion devrait rester classifié.", [3]float64{0.05, 0.1, 0.9}},
	{"Every government use of intrusion tools should need prior authorisation by an independent judge.",
		"Tout usage gouvernemental d’outils d’intrusion devrait exiger l’autorisation préalable d’un juge indépendant.", [3]float64{0.95, 0.65, 0.45}},
	{"Exploit brokers should be licensed like arms dealers.",
		"Les courtiers en failles devraient être soumis à licence comme les marchands d’armes.", [3]float64{0.85, 0.1, 0.8}},
	{"Hackers-for-hire services should be banned outright.",
		"Les services de piratage à la demande devraient être purement et simplement interdits.", [3]float64{0.9, 0.7, 0.8}},
	{"Governments should stop buying from vendors found to have supplied abusive regimes.",
		"Les gouvernements devraient cesser d’acheter auprès de fournisseurs ayant équipé des régimes abusifs.", [3]float64{0.95, 0.55, 0.6}},
	{"Investors should divest from companies whose tools have been misused.",
		"Les investisseurs devraient se désengager des entreprises dont les outils ont été détournés.", [3]float64{0.85, 0.1, 0.6}},
	{"Victims of spyware should be able to sue vendors in the courts of their own country.",
		"Les victimes de logiciels espions devraient pouvoir poursuivre les fournisseurs devant les tribunaux de leur pays.", [3]float64{0.93, 0.25, 0.4}},
}

// loadDeliberate adds a deliberation on good practice for commercial cyber
// intrusion capabilities, with 360 generated participants in three planted
// opinion groups whose stakeholder types lean one way each, and analyses it.
func loadDeliberate(ctx context.Context, c Config) error {
	svc := &deliberate.Service{DB: c.DB}
	var consultationID int64
	if cs, err := (&consult.Service{DB: c.DB}).List(ctx, auth.System); err == nil && len(cs) > 0 {
		consultationID = cs[0].ID
	}
	d, err := svc.Create(ctx, auth.System, deliberate.Deliberation{
		ConsultationID: consultationID,
		TitleEN:        "Good practice for commercial cyber intrusion capabilities (demo)",
		TitleFR:        "Bonnes pratiques pour les capacités commerciales d’intrusion informatique (démo)",
		DescriptionEN: "Which practices should states, industry and civil society expect of those who develop, sell and use commercial cyber intrusion capabilities? " +
			"Vote on each statement and add your own. The participants shown in the report are generated demonstration data.",
		DescriptionFR: "Quelles pratiques les États, l’industrie et la société civile devraient-ils attendre de ceux qui développent, vendent et utilisent des capacités commerciales d’intrusion informatique ? " +
			"Votez sur chaque affirmation et proposez les vôtres. Les participants du rapport sont des données de démonstration générées.",
		Moderation: deliberate.PreModeration, RequireStakeholder: true, Status: deliberate.Open,
	})
	if err != nil {
		return err
	}
	ids := make([]int64, len(demoStatements))
	for i, s := range demoStatements {
		st, err := svc.AddSeed(ctx, auth.System, d.ID, s.en, s.fr)
		if err != nil {
			return fmt.Errorf("statement %d: %w", i, err)
		}
		ids[i] = st.ID
	}
	// Each group draws its stakeholder types from its own mix.
	mixes := [3][]auth.OrgKind{
		{auth.CivilSociety, auth.CivilSociety, auth.CivilSociety, auth.Academia, auth.International, auth.State},
		{auth.Industry, auth.Industry, auth.Industry, auth.Academia, auth.State},
		{auth.State, auth.State, auth.State, auth.International, auth.Industry},
	}
	sizes := [3]int{150, 90, 120}
	rng := rand.New(rand.NewPCG(2024, 5))
	var ps []deliberate.ImportedParticipant
	for g, n := range sizes {
		for range n {
			p := deliberate.ImportedParticipant{Stakeholder: mixes[g][rng.IntN(len(mixes[g]))], Votes: map[int64]deliberate.Value{}}
			// Most people vote on 8 to 15 statements.
			for _, i := range rng.Perm(len(ids))[:8+rng.IntN(len(ids)-7)] {
				switch r := rng.Float64(); {
				case r < 0.1:
					p.Votes[ids[i]] = deliberate.Pass
				case r < 0.1+0.9*demoStatements[i].agree[g]:
					p.Votes[ids[i]] = deliberate.Agree
				default:
					p.Votes[ids[i]] = deliberate.Disagree
				}
			}
			ps = append(ps, p)
		}
	}
	rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	if err := svc.Import(ctx, auth.System, d.ID, ps); err != nil {
		return err
	}
	_, err = svc.Analyse(ctx, d.ID)
	return err
}
