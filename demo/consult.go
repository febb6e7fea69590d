package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
)

// PartnerKeyFile is the name, in the data directory, of the demo partner
// government's age secret key, which decrypts the partner package.
const PartnerKeyFile = "demo-partner-age-key.txt"

// ConsultResponses is how many responses the demo consultation gets.
const ConsultResponses = 300

type demoQuestion struct {
	key      string
	q        consult.Question
	dependOn string // key of the question whose "yes" shows this one
}

func opts(pairs ...string) []consult.Option {
	var out []consult.Option
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, consult.Option{EN: pairs[i], FR: pairs[i+1]})
	}
	return out
}

var (
	states   = []consult.Stakeholder{consult.State}
	industry = []consult.Stakeholder{consult.Industry}
	civil    = []consult.Stakeholder{consult.CivilSociety, consult.Academia, consult.Individual}
)

// consultSections is a questionnaire modelled on the Pall Mall Process's
// 2024 consultation on good practice for states, industry and civil society.
var consultSections = []struct {
	titleEN, titleFR string
	questions        []demoQuestion
}{
	{"Your perspective", "Votre point de vue", []demoQuestion{
		{"familiar", consult.Question{Kind: consult.Single, Required: true, TextEN: "How familiar are you with the Pall Mall Process?", TextFR: "Dans quelle mesure connaissez-vous le processus de Pall Mall ?",
			Options: opts("Very familiar", "Très bien", "Somewhat familiar", "Un peu", "Not familiar", "Pas du tout")}, ""},
		{"threat", consult.Question{Kind: consult.Likert, Required: true, TextEN: "The proliferation of commercial cyber intrusion capabilities is a serious threat to human rights.",
			TextFR: "La prolifération des capacités commerciales d’intrusion informatique menace gravement les droits humains."}, ""},
	}},
	{"States as regulators, customers and users", "Les États comme régulateurs, clients et utilisateurs", []demoQuestion{
		{"regime", consult.Question{Kind: consult.YesNo, Required: true, Audiences: states, TextEN: "Does your state license or control the export of intrusion capabilities?",
			TextFR: "Votre État soumet-il les capacités d’intrusion à licence ou à contrôle à l’exportation ?"}, ""},
		{"regime_how", consult.Question{Kind: consult.LongText, Required: true, MaxChars: 2000, Audiences: states, TextEN: "Describe the regime and how it is enforced.",
			TextFR: "Décrivez ce régime et la façon dont il est appliqué."}, "regime"},
		{"state_rank", consult.Question{Kind: consult.Ranking, Audiences: states, TextEN: "Rank these practices for states that buy or use intrusion capabilities.",
			TextFR: "Classez ces pratiques pour les États qui achètent ou utilisent des capacités d’intrusion.",
			Options: opts("Due diligence before procurement", "Diligence raisonnable avant l’achat", "Transparency about use", "Transparence sur l’usage",
				"Independent oversight", "Contrôle indépendant", "Redress for victims", "Recours pour les victimes")}, ""},
	}},
	{"Industry across the value chain", "L’industrie tout au long de la chaîne de valeur", []demoQuestion{
		{"chain", consult.Question{Kind: consult.Multiple, Required: true, AllowOther: true, Audiences: industry, TextEN: "Which parts of the value chain does your organisation work in?",
			TextFR: "Dans quelles parties de la chaîne de valeur votre organisation intervient-elle ?",
			Options: opts("Vulnerability research", "Recherche de vulnérabilités", "Exploit development", "Développement d’exploits", "Intrusion as a service", "Intrusion en tant que service",
				"Defensive security products", "Produits de sécurité défensive", "Platforms and big tech", "Plateformes et grandes entreprises technologiques")}, ""},
		{"kyc", consult.Question{Kind: consult.Likert, Required: true, Audiences: industry, TextEN: "Know-your-customer checks should be mandatory for every seller of intrusion capabilities.",
			TextFR: "La vérification des clients devrait être obligatoire pour tout vendeur de capacités d’intrusion."}, ""},
		{"industry_practice", consult.Question{Kind: consult.LongText, MaxChars: 3000, Audiences: industry, TextEN: "What good practice does your organisation already follow?",
			TextFR: "Quelles bonnes pratiques votre organisation applique-t-elle déjà ?"}, ""},
	}},
	{"Civil society and threat researchers", "Société civile et chercheurs en menaces", []demoQuestion{
		{"targeted", consult.Question{Kind: consult.YesNo, Audiences: civil, TextEN: "Have you, or people you work with, been targeted with spyware?",
			TextFR: "Vous-même ou des personnes avec qui vous travaillez avez-vous été ciblés par un logiciel espion ?"}, ""},
		{"support", consult.Question{Kind: consult.LongText, MaxChars: 3000, Audiences: civil, TextEN: "What support would help people who are targeted?",
			TextFR: "Quel soutien aiderait les personnes ciblées ?"}, "targeted"},
		{"evidence", consult.Question{Kind: consult.File, Audiences: civil, TextEN: "Attach a report or evidence, if you wish.", TextFR: "Joignez un rapport ou des éléments, si vous le souhaitez.",
			HintEN: "Names, locations and other hidden details are removed from the file.", HintFR: "Les noms, lieux et autres informations cachées sont retirés du fichier."}, ""},
	}},
	{"Next steps", "Prochaines étapes", []demoQuestion{
		{"next", consult.Question{Kind: consult.ShortText, Required: true, TextEN: "In one sentence, what should the Pall Mall Process do next?",
			TextFR: "En une phrase, que devrait faire ensuite le processus de Pall Mall ?"}, ""},
	}},
}

var (
	demoMinistries = []string{"Ministry of Foreign Affairs", "Ministry of Defence", "Ministry of the Interior", "Ministry of Justice", "Export control office", "Cyber security agency"}
	demoCountries  = []string{"GB", "FR", "GH", "JP", "PL", "IE", "CI", "CH", "US", "DE", "KE", "MX", "NL", "SE", "SG", "CA", "AU", "EE", "FI", "IT"}
)

// loadConsult creates the demo consultation, opens it, and submits
// ConsultResponses generated responses spread over the weeks it has been
// open, so every chart and export has something to show.
func loadConsult(ctx context.Context, c Config, orgs map[string]int64) error {
	identity, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return err
	}
	keyPath := filepath.Join(c.DataDir, PartnerKeyFile)
	if err := os.WriteFile(keyPath, []byte(identity.String()+"\n"), 0o600); err != nil {
		return err
	}
	now := store.Now()
	opened := now.Add(-21 * 24 * time.Hour).Truncate(time.Hour)
	clock := opened
	svc := &consult.Service{DB: c.DB, Keys: c.Auth.Keys, Now: func() time.Time { return clock }}
	cons, err := svc.Create(ctx, auth.System, consult.Consultation{
		TitleEN:   "Good practice for states, industry and civil society (2026 consultation)",
		TitleFR:   "Bonnes pratiques pour les États, l’industrie et la société civile (consultation 2026)",
		SummaryEN: "The Pall Mall Process asks how states, industry and civil society can curb the proliferation and irresponsible use of commercial cyber intrusion capabilities.",
		SummaryFR: "Le processus de Pall Mall demande comment les États, l’industrie et la société civile peuvent freiner la prolifération et l’usage irresponsable des capacités commerciales d’intrusion informatique.",
		BodyEN:    "Spyware, exploit brokers and hackers-for-hire are a growing market. This consultation gathers views on good practice for states as regulators, customers and users; for industry across the value chain; and for civil society and threat researchers.",
		BodyFR:    "Logiciels espions, courtiers en exploits et pirates à louer forment un marché en croissance. Cette consultation recueille les avis sur les bonnes pratiques des États comme régulateurs, clients et utilisateurs ; de l’industrie tout au long de la chaîne de valeur ; et de la société civile et des chercheurs en menaces.",
		Audiences: []consult.Stakeholder{consult.State, consult.International, consult.Industry, consult.CivilSociety, consult.Academia, consult.Individual},
		PartnerEN: "France", PartnerFR: "la France", PartnerKey: identity.Recipient().String(),
		OpensAt: opened, ClosesAt: now.Add(30 * 24 * time.Hour).Truncate(time.Hour),
	})
	if err != nil {
		return err
	}
	ids := map[string]consult.Question{}
	for _, sec := range consultSections {
		s, err := svc.AddSection(ctx, auth.System, consult.Section{ConsultationID: cons.ID, TitleEN: sec.titleEN, TitleFR: sec.titleFR}, "")
		if err != nil {
			return err
		}
		for _, dq := range sec.questions {
			q := dq.q
			q.ConsultationID, q.SectionID = cons.ID, s.ID
			if dq.dependOn != "" {
				q.CondQuestionID, q.CondValues = ids[dq.dependOn].ID, []string{"yes"}
			}
			saved, err := svc.SaveQuestion(ctx, auth.System, q, "")
			if err != nil {
				return fmt.Errorf("question %s: %w", dq.key, err)
			}
			ids[dq.key] = saved
		}
	}
	if err := svc.SetStatus(ctx, auth.System, cons.ID, consult.Open); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(3, 2024))
	// Free text is composed by its own generator (consult_answers.go).
	words := rand.New(rand.NewPCG(5, 2024))
	choice := func(q consult.Question) []string { return []string{q.Choices()[rng.IntN(len(q.Choices()))].Value} }
	kinds := []consult.Stakeholder{}
	for k, n := range map[consult.Stakeholder]int{consult.State: 60, consult.Industry: 70, consult.CivilSociety: 110, consult.Academia: 40, consult.International: 10, consult.Individual: 10} {
		for range n {
			kinds = append(kinds, k)
		}
	}
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	span := now.Sub(opened) - time.Hour
	attached := 0
	for i, k := range kinds[:min(len(kinds), ConsultResponses)] {
		clock = opened.Add(time.Duration(float64(span)*float64(i)/float64(ConsultResponses)) + time.Duration(rng.IntN(3600))*time.Second)
		lang := []string{"en", "fr"}[rng.IntN(2)]
		about := consult.About{Kind: consult.AsOrganisation, Stakeholder: k, Name: fmt.Sprintf("Respondent %d", i+1), OrganisationName: fmt.Sprintf("Demo organisation %d (fictional)", i+1)}
		if k == consult.Individual || (k == consult.CivilSociety && rng.IntN(3) == 0) || k == consult.Academia && rng.IntN(2) == 0 {
			about.Kind, about.OrganisationName = consult.AsIndividual, ""
		}
		if k == consult.State {
			about.Country = demoCountries[rng.IntN(len(demoCountries))]
			// A ministry each, so that no government is claimed by
			// three contacts (which the campaign detection flags).
			about.OrganisationName = fmt.Sprintf("%s, %s (demo %d)", demoMinistries[rng.IntN(len(demoMinistries))], about.Country, i+1)
		}
		a := map[int64]consult.Answer{
			ids["familiar"].ID: {Choices: choice(ids["familiar"])},
			ids["next"].ID:     {Text: nextAnswer(words, lang)},
		}
		// Views on the threat lean by group, as in real consultations.
		lean := map[consult.Stakeholder]int{consult.State: 3, consult.Industry: 2, consult.CivilSociety: 4, consult.Academia: 4, consult.International: 3, consult.Individual: 4}[k]
		a[ids["threat"].ID] = consult.Answer{Choices: []string{fmt.Sprint(max(1, min(5, lean+rng.IntN(3)-1+boolInt(rng.IntN(4) == 0))))}}
		switch k {
		case consult.State:
			yes := rng.IntN(3) > 0
			a[ids["regime"].ID] = consult.Answer{Choices: []string{map[bool]string{true: "yes", false: "no"}[yes]}}
			if yes {
				a[ids["regime_how"].ID] = consult.Answer{Text: regimeAnswer(words)}
			}
			order := rng.Perm(4)
			var rank []string
			for _, o := range order {
				rank = append(rank, fmt.Sprint(o+1))
			}
			a[ids["state_rank"].ID] = consult.Answer{Choices: rank}
		case consult.Industry:
			chain := []string{fmt.Sprint(rng.IntN(5) + 1)}
			if rng.IntN(2) == 0 {
				if c2 := fmt.Sprint(rng.IntN(5) + 1); c2 != chain[0] {
					chain = append(chain, c2)
				}
			}
			ans := consult.Answer{Choices: chain}
			if rng.IntN(8) == 0 {
				ans.Choices, ans.Other = append(ans.Choices, consult.OtherValue), otherChainAnswer(words)
			}
			a[ids["chain"].ID] = ans
			a[ids["kyc"].ID] = consult.Answer{Choices: []string{fmt.Sprint(rng.IntN(5) + 1)}}
			if rng.IntN(2) == 0 {
				a[ids["industry_practice"].ID] = consult.Answer{Text: practiceAnswer(words)}
			}
		case consult.CivilSociety, consult.Academia, consult.Individual:
			yes := rng.IntN(2) == 0
			a[ids["targeted"].ID] = consult.Answer{Choices: []string{map[bool]string{true: "yes", false: "no"}[yes]}}
			if yes {
				a[ids["support"].ID] = consult.Answer{Text: supportAnswer(words, lang)}
			}
		}
		share, contact := k == consult.State || rng.IntN(3) == 0, false
		publish := []consult.Publish{consult.PublishNamed, consult.PublishAnonymous, consult.PublishAnonymous, consult.PublishNone}[rng.IntN(4)]
		if k == consult.CivilSociety && attached < 3 {
			// A few civil-society respondents answer through the pages'
			// steps and attach evidence, so the attachments have something
			// to show.
			attached++
			if err := respondWithAttachment(ctx, svc, cons.ID, about, a, share, contact, publish, lang, attached, &clock); err != nil {
				return fmt.Errorf("demo response %d: %w", i+1, err)
			}
			continue
		}
		if _, err := svc.SubmitDirect(ctx, auth.System, cons.ID, consult.Direct{About: about, Answers: a, Share: &share, Contact: &contact, Publish: publish, Lang: lang}); err != nil {
			return fmt.Errorf("demo response %d: %w", i+1, err)
		}
	}
	clock = store.Now()
	if err := plantCampaign(ctx, svc, cons.ID, ids["next"], &clock); err != nil {
		return err
	}
	clock = store.Now()
	// A codebook, with some answers coded by the demo analyst.
	var analyst auth.Actor
	if u, err := c.Auth.UserByEmail(ctx, "analyst@pallmall.example"); err == nil {
		analyst = u.Actor()
	}
	if analyst.UserID != 0 {
		var codes []consult.Code
		for _, l := range []string{"Export controls", "Support for victims", "Transparency", "Industry self-regulation"} {
			code, err := svc.AddCode(ctx, analyst, cons.ID, l, "")
			if err != nil {
				return err
			}
			codes = append(codes, code)
		}
		texts, err := svc.Texts(ctx, analyst, cons.ID, consult.TextFilter{Limit: 40})
		if err != nil {
			return err
		}
		for _, t := range texts {
			if err := svc.SetCodes(ctx, analyst, cons.ID, t.ResponseID, t.QuestionID, []int64{codes[rng.IntN(len(codes))].ID}); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(c.Out, "Demo consultation %d with %d responses; the partner government's age key is in %s\n", cons.ID, ConsultResponses, keyPath)
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// respondWithAttachment answers as a respondent does, section by section,
// attaching a generated image of "evidence" to the file question, taking
// twenty minutes over it.
func respondWithAttachment(ctx context.Context, svc *consult.Service, consultationID int64, about consult.About, answers map[int64]consult.Answer,
	share, contact bool, publish consult.Publish, lang string, n int, clock *time.Time) error {
	_, token, err := svc.Start(ctx, consultationID, about)
	if err != nil {
		return err
	}
	qn, err := svc.Questionnaire(ctx, auth.System, consultationID)
	if err != nil {
		return err
	}
	*clock = clock.Add(10 * time.Minute)
	for _, sec := range qn.Sections {
		part := map[int64]consult.Answer{}
		var file *consult.Question
		for _, q := range sec.Questions {
			if a, ok := answers[q.ID]; ok {
				part[q.ID] = a
			}
			if q.Kind == consult.File && q.ShownTo(about.Stakeholder) {
				file = &q
			}
		}
		if err := svc.SaveAnswers(ctx, consultationID, token, sec.ID, part, true); err != nil {
			return fmt.Errorf("section %d: %w", sec.ID, err)
		}
		if file != nil {
			img := image.NewGray(image.Rect(0, 0, 64, 32))
			for x := range 64 {
				img.SetGray(x, (x*n)%32, color.Gray{Y: 200})
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				return err
			}
			if _, err := svc.SaveFile(ctx, consultationID, token, file.ID, fmt.Sprintf("evidence-%d.png", n), b.Bytes()); err != nil {
				return fmt.Errorf("attachment: %w", err)
			}
		}
	}
	*clock = clock.Add(10 * time.Minute)
	if err := svc.SetConsent(ctx, consultationID, token, lang, &share, &contact, publish); err != nil {
		return err
	}
	_, err = svc.Submit(ctx, consultationID, token)
	return err
}
