package consult

import (
	"encoding/json"
	"fmt"
	"time"
)

// Publish is a respondent's choice about publishing their response.
type Publish string

// The publication choices.
const (
	PublishNamed     Publish = "named"
	PublishAnonymous Publish = "anonymous"
	PublishNone      Publish = "none"
)

// Valid reports whether p is one of the three choices.
func (p Publish) Valid() bool { return p == PublishNamed || p == PublishAnonymous || p == PublishNone }

// Consent holds a respondent's three choices, the exact wording they were
// shown, and when they made them. Choices can change until the
// consultation closes; each change records the wording again.
type Consent struct {
	Set     bool
	Share   bool    // details may be shared with the partner government
	Publish Publish // named, anonymous or not at all
	Contact bool    // the secretariat may contact them
	Wording string  // JSON of ConsentWording as shown, with the language
	At      time.Time
}

// ConsentWording is the exact text of the three consent questions in one
// language, as the respondent sees it. The domain owns it, so the words
// recorded are the words shown.
type ConsentWording struct {
	Version string `json:"version"`
	Lang    string `json:"lang"`
	Share   string `json:"share"`
	Publish string `json:"publish"`
	Named   string `json:"publish_named"`
	Anon    string `json:"publish_anonymous"`
	None    string `json:"publish_none"`
	Contact string `json:"contact"`
	// Retention says how long the identity is kept after the consultation
	// closes (see Consultation.RetentionEnds).
	Retention string `json:"retention"`
}

// consentVersion changes whenever the wording below changes.
const consentVersion = "2026-11-2"

// Wording returns the consent wording for c in lang ("en" or "fr").
func (c Consultation) Wording(lang string) ConsentWording {
	if lang == "fr" {
		partner := c.PartnerFR
		if partner == "" {
			partner = "le gouvernement partenaire"
		}
		return ConsentWording{
			Version: consentVersion, Lang: "fr",
			Share:     fmt.Sprintf("Acceptez-vous que le secrétariat du processus de Pall Mall transmette votre nom, votre organisation, votre adresse électronique et votre réponse au gouvernement partenaire (%s) ? Si vous répondez non, il ne recevra votre réponse que sans ces informations.", partner),
			Publish:   "Pouvons-nous publier votre réponse avec le résumé de la consultation ?",
			Named:     "Oui, avec mon nom (ou celui de mon organisation)",
			Anon:      "Oui, de façon anonyme : sans nom, organisation, pays ni adresse",
			None:      "Non, ne la publiez pas",
			Contact:   "Le secrétariat peut-il vous contacter au sujet de votre réponse ? Nous n’utiliserons votre adresse électronique qu’à cette fin.",
			Retention: fmt.Sprintf("Nous conservons votre nom, votre organisation et votre adresse électronique %s après la clôture de la consultation, puis nous les effaçons ; vos réponses restent, sans eux. Si vous avez accepté une publication sous votre nom, ce nom reste dans la synthèse publiée.", monthsFR(c.retentionMonths())),
		}
	}
	partner := c.PartnerEN
	if partner == "" {
		partner = "the partner government"
	}
	return ConsentWording{
		Version: consentVersion, Lang: "en",
		Share:     fmt.Sprintf("May the Pall Mall Process secretariat share your name, organisation, email address and response with the partner government (%s)? If you say no, it will only receive your response without these details.", partner),
		Publish:   "May we publish your response with the consultation summary?",
		Named:     "Yes, with my name (or my organisation’s)",
		Anon:      "Yes, anonymously: without name, organisation, country or address",
		None:      "No, do not publish it",
		Contact:   "May the secretariat contact you about your response? We will use your email address only for this.",
		Retention: fmt.Sprintf("We keep your name, organisation and email address for %s after the consultation closes, then erase them; your answers stay, without them. If you agree to publication with your name, that name stays in the published summary.", monthsEN(c.retentionMonths())),
	}
}

func (w ConsentWording) json() string {
	b, _ := json.Marshal(w)
	return string(b)
}

func (c Consultation) retentionMonths() int {
	if c.RetentionMonths == 0 {
		return DefaultRetentionMonths
	}
	return c.RetentionMonths
}

func monthsEN(n int) string {
	if n == 1 {
		return "1 month"
	}
	return fmt.Sprintf("%d months", n)
}

func monthsFR(n int) string { return fmt.Sprintf("%d mois", n) }
