package demo

import (
	"context"
	"fmt"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/declare"
)

// Declaration2024 is demo content: the structure and themes of the 2024
// Pall Mall Process Declaration (four pillars), paraphrased in our own
// words. It is not the official text.
func Declaration2024() declare.Document {
	t := func(en, fr string) declare.Text { return declare.Text{EN: en, FR: fr} }
	return declare.Document{
		Framework: "declaration", Version: "2024",
		Title: t("Pall Mall Process Declaration: tackling the proliferation and irresponsible use of commercial cyber intrusion capabilities (demo paraphrase)",
			"Déclaration du processus de Pall Mall : lutter contre la prolifération et l’usage irresponsable des capacités commerciales d’intrusion informatique (paraphrase de démonstration)"),
		Preamble: t("The market for cyber intrusion capabilities is growing, and with it the risk that these tools are used against journalists, human rights defenders and others, or spread to those who would misuse them. Participants agree to guiding pillars for the development, facilitation, purchase, sale and use of these capabilities, and to keep talking with industry, civil society and experts.",
			"Le marché des capacités d’intrusion informatique s’étend, et avec lui le risque que ces outils soient utilisés contre des journalistes, des défenseurs des droits humains et d’autres personnes, ou qu’ils se diffusent auprès de ceux qui en feraient mauvais usage. Les participants s’accordent sur des piliers directeurs pour le développement, la facilitation, l’achat, la vente et l’utilisation de ces capacités, et s’engagent à poursuivre le dialogue avec l’industrie, la société civile et les experts."),
		Pillars: []declare.Pillar{
			{Key: "accountability", Title: t("Accountability", "Responsabilité"),
				Summary: t("Activity is conducted legally and responsibly, in line with international law, including human rights law; those involved can be held to account.",
					"Les activités sont menées de manière légale et responsable, conformément au droit international, y compris le droit international des droits de l’homme ; leurs auteurs doivent pouvoir en répondre."),
				Measures: []declare.Measure{
					{Number: "1", Text: t("Take steps to ensure that the development and use of intrusion capabilities respects applicable law and is subject to accountability.", "Prendre des mesures pour que le développement et l’utilisation des capacités d’intrusion respectent le droit applicable et donnent lieu à une responsabilité effective.")},
					{Number: "2", Text: t("Take action against irresponsible activity by actors in the market, including through legal and regulatory means.", "Agir contre les activités irresponsables des acteurs du marché, notamment par des moyens juridiques et réglementaires.")},
				}},
			{Key: "precision", Title: t("Precision", "Précision"),
				Summary: t("Capabilities are developed and used with precision, so that their effects are limited to what is intended and proportionate.",
					"Les capacités sont développées et utilisées avec précision, de sorte que leurs effets se limitent à ce qui est voulu et proportionné."),
				Measures: []declare.Measure{
					{Number: "3", Text: t("Encourage design and use that limits harm beyond the intended, lawful target.", "Encourager une conception et une utilisation qui limitent les atteintes au-delà de la cible licite visée.")},
				}},
			{Key: "oversight", Title: t("Oversight", "Contrôle"),
				Summary: t("Activity is subject to appropriate oversight: assessment of risks, due diligence and export controls.",
					"Les activités font l’objet d’un contrôle approprié : évaluation des risques, diligence raisonnable et contrôle des exportations."),
				Measures: []declare.Measure{
					{Number: "4", Text: t("Maintain oversight of development, sale and use, including licensing and end-use checks where appropriate.", "Assurer le contrôle du développement, de la vente et de l’utilisation, y compris, le cas échéant, par des licences et des vérifications de l’utilisation finale.")},
					{Number: "5", Text: t("Consider the risks of proliferation and misuse before authorising transfers.", "Prendre en compte les risques de prolifération et de mauvais usage avant d’autoriser des transferts.")},
				}},
			{Key: "transparency", Title: t("Transparency", "Transparence"),
				Summary: t("The market is made more transparent, so that states, industry and the public can understand who supplies what to whom.",
					"Le marché gagne en transparence, afin que les États, l’industrie et le public puissent comprendre qui fournit quoi à qui."),
				Measures: []declare.Measure{
					{Number: "6", Text: t("Promote transparency of the market and its supply chains, consistent with security needs.", "Promouvoir la transparence du marché et de ses chaînes d’approvisionnement, dans le respect des impératifs de sécurité.")},
				}},
		},
	}
}

// CodeOfPractice2025 is demo content: the structure of the 2025 Code of
// Practice for States, with numbered measures addressed to states as
// regulators, customers and users, paraphrased in our own words. It is not
// the official text.
func CodeOfPractice2025() declare.Document {
	t := func(en, fr string) declare.Text { return declare.Text{EN: en, FR: fr} }
	m := func(n, role, en, fr string) declare.Measure {
		return declare.Measure{Number: n, Role: role, Text: t(en, fr)}
	}
	return declare.Document{
		Framework: "code-of-practice-states", Version: "2025",
		Title: t("Pall Mall Process Code of Practice for States (demo paraphrase)", "Code de bonnes pratiques du processus de Pall Mall à l’intention des États (paraphrase de démonstration)"),
		Preamble: t("Practical measures states can take, in their roles as regulators of the market, as customers buying capabilities and as users of them, to put the four pillars of the Declaration into effect. Measures are voluntary and applied in line with each state's law.",
			"Des mesures concrètes que les États peuvent prendre, en tant que régulateurs du marché, clients achetant des capacités et utilisateurs de celles-ci, pour mettre en œuvre les quatre piliers de la Déclaration. Les mesures sont volontaires et appliquées conformément au droit de chaque État."),
		Pillars: []declare.Pillar{
			{Key: "accountability", Title: t("Accountability", "Responsabilité"), Summary: t("Holding market actors and state users to account.", "Demander des comptes aux acteurs du marché et aux États utilisateurs."),
				Measures: []declare.Measure{
					m("1", declare.RoleRegulator, "Set out in law or policy the conditions under which intrusion capabilities may be developed and sold from the state's territory.", "Fixer dans la loi ou dans une politique les conditions de développement et de vente de capacités d’intrusion depuis le territoire de l’État."),
					m("2", declare.RoleRegulator, "Provide remedies and penalties for companies that sell to end users who misuse capabilities.", "Prévoir des recours et des sanctions à l’encontre des entreprises qui vendent à des utilisateurs finaux qui font un mauvais usage des capacités."),
					m("3", declare.RoleUser, "Use intrusion capabilities only under a clear legal basis, for legitimate aims, and in a necessary and proportionate way.", "N’utiliser des capacités d’intrusion que sur une base juridique claire, pour des objectifs légitimes et de manière nécessaire et proportionnée."),
				}},
			{Key: "precision", Title: t("Precision", "Précision"), Summary: t("Limiting effects to lawful targets.", "Limiter les effets aux cibles licites."),
				Measures: []declare.Measure{
					m("4", declare.RoleCustomer, "Require suppliers to demonstrate how their products limit collection to the authorised target.", "Exiger des fournisseurs qu’ils démontrent comment leurs produits limitent la collecte à la cible autorisée."),
					m("5", declare.RoleUser, "Keep records of each deployment sufficient for later review.", "Tenir, pour chaque déploiement, des registres suffisants pour un examen ultérieur."),
				}},
			{Key: "oversight", Title: t("Oversight", "Contrôle"), Summary: t("Independent oversight, due diligence and export control.", "Contrôle indépendant, diligence raisonnable et contrôle des exportations."),
				Measures: []declare.Measure{
					m("6", declare.RoleRegulator, "Apply export controls to intrusion capabilities and related services, with human rights risk assessment.", "Appliquer le contrôle des exportations aux capacités d’intrusion et aux services associés, avec une évaluation des risques pour les droits humains."),
					m("7", declare.RoleCustomer, "Carry out due diligence on suppliers before procurement, including their other customers and ownership.", "Exercer une diligence raisonnable à l’égard des fournisseurs avant tout achat, y compris sur leurs autres clients et leur actionnariat."),
					m("8", declare.RoleUser, "Subject the use of intrusion capabilities to independent authorisation and oversight.", "Soumettre l’utilisation des capacités d’intrusion à une autorisation et à un contrôle indépendants."),
				}},
			{Key: "transparency", Title: t("Transparency", "Transparence"), Summary: t("Openness about the rules, the market and the state's own practice.", "Ouverture sur les règles, le marché et la pratique de l’État."),
				Measures: []declare.Measure{
					m("9", declare.RoleRegulator, "Publish information on export licences granted and refused for intrusion capabilities.", "Publier des informations sur les licences d’exportation accordées et refusées pour les capacités d’intrusion."),
					m("10", declare.RoleCustomer, "Report publicly, at least in aggregate, on procurement of intrusion capabilities.", "Rendre compte publiquement, au moins de manière agrégée, des achats de capacités d’intrusion."),
					m("11", declare.RoleUser, "Publish the legal framework governing the state's own use of intrusion capabilities.", "Publier le cadre juridique régissant l’utilisation par l’État de capacités d’intrusion."),
				}},
		},
	}
}

// loadDeclare publishes the two demo frameworks, records endorsements (in
// the browser, on paper) and one implementation report.
func loadDeclare(ctx context.Context, c Config, orgs map[string]int64) error {
	svc := &declare.Service{DB: c.DB}
	t := func(en, fr string) declare.Text { return declare.Text{EN: en, FR: fr} }
	if err := svc.CreateFramework(ctx, auth.System, "declaration", t("Pall Mall Process Declaration", "Déclaration du processus de Pall Mall"),
		t("The 2024 declaration setting out the four pillars: accountability, precision, oversight and transparency.", "La déclaration de 2024 qui énonce les quatre piliers : responsabilité, précision, contrôle et transparence.")); err != nil {
		return err
	}
	if err := svc.CreateFramework(ctx, auth.System, "code-of-practice-states", t("Code of Practice for States", "Code de bonnes pratiques pour les États"),
		t("The 2025 code: numbered measures for states as regulators, customers and users.", "Le code de 2025 : des mesures numérotées pour les États en tant que régulateurs, clients et utilisateurs.")); err != nil {
		return err
	}
	for _, doc := range []declare.Document{Declaration2024(), CodeOfPractice2025()} {
		if _, err := svc.PublishVersion(ctx, auth.System, doc); err != nil {
			return fmt.Errorf("publish %s: %w", doc.Framework, err)
		}
	}
	// The operator records paper endorsements made at the plenaries; the UK
	// and French delegates are left to endorse the Code in the browser.
	paper := []struct{ org, framework, ref string }{
		{"United Kingdom", "declaration", "Lancaster House plenary, signed declaration (demo)"},
		{"France", "declaration", "Lancaster House plenary, signed declaration (demo)"},
		{"Ghana", "declaration", "Lancaster House plenary, signed declaration (demo)"},
		{"Poland", "declaration", "Letter of endorsement (demo)"},
		{"Council of Europe", "declaration", "Letter of support (demo)"},
		{"Halyard Secure Systems (fictional)", "declaration", "Letter of support (demo)"},
		{"Ghana", "code-of-practice-states", "Paris plenary, signed code (demo)"},
		{"Poland", "code-of-practice-states", "Paris plenary, signed code (demo)"},
	}
	for _, p := range paper {
		if _, err := svc.Endorse(ctx, auth.System, declare.EndorseInput{FrameworkID: p.framework, OrganisationID: orgs[p.org], Method: declare.MethodPaper, PaperReference: p.ref}); err != nil {
			return fmt.Errorf("endorsement by %s: %w", p.org, err)
		}
	}
	items := []declare.ReportItem{
		{Measure: "1", Status: declare.StatusImplemented, Explanation: "Licensing law in force (demo).", Evidence: []string{"https://example.org/ghana/law"}},
		{Measure: "3", Status: declare.StatusInProgress, Explanation: "Bill before parliament (demo)."},
		{Measure: "6", Status: declare.StatusImplemented},
		{Measure: "9", Status: declare.StatusNotStarted},
	}
	if _, err := svc.PublishReport(ctx, auth.System, "code-of-practice-states", "", orgs["Ghana"], items); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
