package demo

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// The demo's organic free-text answers are composed from several
// independently chosen parts (an opener, who should act, what, when, why),
// so that no two respondents write the same sentence and the campaign
// detection finds only the planted campaign: two answers share a part or
// two by chance, as real answers on one subject do, but rarely enough of
// them to look near-identical. TestOrganicAnswersAreNoCampaign checks it.

// slots are the parts of an answer, in order; "" is an empty part.
type slots [][]string

// compose picks one part from each slot and joins them with spaces.
func compose(rng *rand.Rand, s slots) string {
	var parts []string
	for _, options := range s {
		if p := options[rng.IntN(len(options))]; p != "" {
			parts = append(parts, p)
		}
	}
	out := strings.Join(parts, " ")
	// The first part chosen may not be the opener: capitalise.
	if out != "" && out[0] >= 'a' && out[0] <= 'z' {
		out = strings.ToUpper(out[:1]) + out[1:]
	}
	return out
}

var (
	openersEN = []string{"", "", "In our view,", "Frankly,", "Speaking from experience,", "Put simply,", "Above all,", "After much discussion in our team,",
		"As we see it,", "To be practical,", "Most urgently,", "First of all,", "Looking back at recent scandals,", "If only one thing is done,"}
	openersFR = []string{"", "", "À notre avis,", "Franchement,", "D'expérience,", "En un mot,", "Avant tout,", "Après de longues discussions dans notre équipe,",
		"Selon nous,", "Concrètement,", "En priorité,", "D'abord,", "Au vu des scandales récents,", "S'il ne fallait faire qu'une chose,"}

	actorsEN = []string{"the Process", "participating states", "the secretariat", "governments", "the signatories", "states that buy these tools",
		"a working group", "member governments", "the states involved", "everyone at the table", "the co-chairs", "national regulators"}
	modalsEN = []string{"should", "must", "needs to", "ought to", "has to", "would do well to", "could"}
	// French actors come with their verb, agreed.
	actorsFR = []string{"le Processus devrait", "les États participants doivent", "le secrétariat devrait", "les gouvernements devraient",
		"les signataires doivent", "les États acheteurs devraient", "un groupe de travail pourrait", "les coprésidents devraient",
		"les régulateurs nationaux doivent", "chacun autour de la table devrait", "les États concernés doivent", "le Processus doit"}

	whenEN = []string{"", "within the next year", "before the next plenary", "without waiting for consensus", "as a matter of priority",
		"in consultation with civil society", "with a public timetable", "starting this year", "and report back publicly", "with independent oversight",
		"step by step", "together with industry", "in a binding way", "at the next ministerial", "with a budget attached"}
	whenFR = []string{"", "dans l'année", "avant la prochaine plénière", "sans attendre le consensus", "en priorité", "avec la société civile",
		"selon un calendrier public", "dès cette année", "et en rendre compte publiquement", "sous un contrôle indépendant", "pas à pas", "avec l'industrie",
		"de façon contraignante", "à la prochaine réunion ministérielle", "avec un budget dédié"}

	whyEN = []string{"", "because victims have waited long enough", "so that commitments mean something", "since voluntary pledges have not worked",
		"because the market moves faster than diplomacy", "so that journalists can work safely", "or the next scandal will look like the last one",
		"because trust has to be earned", "so that small states are not left behind", "since the evidence is already there", "to keep the Process credible",
		"as our members keep asking", "because courts alone cannot cope", "since companies simply move abroad", "so that buyers carry the risk too",
		"because secrecy protects abusers", "as the last report showed", "since people are still being hacked today"}
	whyFR = []string{"", "car les victimes attendent depuis trop longtemps", "pour que les engagements aient un sens", "puisque les promesses volontaires ont échoué",
		"car le marché va plus vite que la diplomatie", "pour que les journalistes travaillent en sécurité", "sinon le prochain scandale ressemblera au précédent",
		"car la confiance se mérite", "pour que les petits États ne soient pas laissés de côté", "puisque les preuves sont déjà là", "pour garder le Processus crédible",
		"comme nos membres le demandent", "car les tribunaux seuls n'y suffisent pas", "puisque les entreprises partent à l'étranger", "pour que les acheteurs portent aussi le risque",
		"car le secret protège les abuseurs", "comme l'a montré le dernier rapport", "puisque des personnes sont encore piratées aujourd'hui"}

	// What should the Process do next (one sentence): an action on a
	// subject, where, when and why, each chosen separately.
	nextVerbEN = []string{"agree common rules on", "set up a public register of", "publish yearly figures on", "commission independent research into",
		"create a reporting channel about", "hold hearings on", "write licensing conditions for", "share intelligence about", "draw red lines around",
		"impose sanctions linked to", "fund investigations into", "appoint a special rapporteur on",
		"name and shame those behind", "set reporting duties for", "ask the UN to look at", "close loopholes around"}
	nextWhatEN = []string{"vendors and brokers", "hackers-for-hire firms", "the exploit market", "spyware bought by police forces", "zero-day trading",
		"resellers in third countries", "sales to repressive governments", "surveillance of exiles", "abuse of lawful interception",
		"targeting of journalists", "cloud-delivered intrusion services", "training contracts for foreign agencies",
		"shell companies selling spyware", "investment funds backing vendors", "mercenary hacking teams", "phone-hacking kits sold to private clients"}
	nextVerbFR = []string{"encadrer", "tenir un registre public sur", "publier des chiffres annuels sur", "financer des recherches indépendantes sur",
		"ouvrir un canal de signalement sur", "organiser des auditions sur", "fixer des conditions de licence pour", "partager le renseignement sur",
		"tracer des lignes rouges pour", "sanctionner", "financer des enquêtes sur", "nommer un rapporteur spécial sur",
		"dénoncer publiquement", "imposer des obligations de déclaration pour", "saisir l'ONU au sujet de", "combler les failles juridiques concernant"}
	nextWhatFR = []string{"les vendeurs et courtiers", "les officines de piratage à louer", "le marché des failles", "les logiciels espions achetés par la police",
		"le commerce des failles inconnues", "les revendeurs dans les pays tiers", "les ventes aux régimes répressifs", "la surveillance des exilés",
		"les abus de l'interception légale", "le ciblage des journalistes", "les services d'intrusion hébergés", "les contrats de formation d'agences étrangères",
		"les sociétés écrans qui vendent des logiciels espions", "les fonds qui financent les vendeurs", "les équipes de pirates mercenaires", "les kits de piratage vendus à des clients privés"}
	nextWhereEN = []string{"", "", "in Europe", "across Africa", "in the Gulf", "in Latin America", "in South-East Asia", "among the signatories",
		"wherever the tools are sold", "in every member state", "at the United Nations", "online and offline"}
	nextWhereFR = []string{"", "", "en Europe", "en Afrique", "dans le Golfe", "en Amérique latine", "en Asie du Sud-Est", "parmi les signataires",
		"partout où ces outils sont vendus", "dans chaque État membre", "aux Nations unies", "en ligne comme hors ligne"}

	// What support would help people who are targeted.
	supportEN = []string{"offer free forensic checks of phones", "run a hotline with trusted civil society groups", "pay for legal aid for victims",
		"make platforms notify people whose accounts are targeted", "fund independent labs that analyse infections", "train human-rights defenders in digital security",
		"provide safe replacement devices", "offer psychological support after an infection", "help victims bring cases before the courts",
		"translate security guides into local languages", "keep an emergency fund for relocation",
		"pay for secure communication tools", "set up regional help desks", "cover the costs of medical checks of devices"}
	supportFR = []string{"proposer des analyses forensiques gratuites des téléphones", "ouvrir une ligne d'écoute avec des associations de confiance",
		"financer l'aide juridique aux victimes", "obliger les plateformes à prévenir les personnes ciblées", "financer des laboratoires indépendants qui analysent les infections",
		"former les défenseurs des droits humains à la sécurité numérique", "fournir des appareils de remplacement sûrs", "offrir un soutien psychologique après une infection",
		"aider les victimes à saisir la justice", "traduire les guides de sécurité dans les langues locales", "garder un fonds d'urgence pour les déménagements",
		"payer des outils de communication sécurisés", "créer des guichets d'aide régionaux", "prendre en charge l'examen des appareils"}
	supportForEN = []string{"", "for journalists", "for lawyers defending activists", "for exiled dissidents", "for women human-rights defenders",
		"for small newsrooms", "for researchers who expose spyware", "for the families of those targeted", "for community organisers", "for opposition politicians"}
	supportForFR = []string{"", "pour les journalistes", "pour les avocats des militants", "pour les dissidents exilés", "pour les défenseuses des droits humains",
		"pour les petites rédactions", "pour les chercheurs qui révèlent les logiciels espions", "pour les familles des personnes ciblées",
		"pour les militants associatifs", "pour les responsables de l'opposition"}
	supportExtraEN = []string{"", "Most of the people we work with cannot afford this on their own.", "Speed matters: the first days after an infection count.",
		"Women journalists are targeted disproportionately and need it first.", "Exiles abroad are often forgotten.", "Support must not depend on going public.",
		"Local partners know who needs help.", "Funding for this has shrunk every year.",
		"We have seen what happens without it.", "Nobody should have to face this alone.", "Costs are small compared with the harm."}
	supportExtraFR = []string{"", "La plupart des personnes que nous accompagnons ne peuvent pas se le payer.", "La rapidité compte : les premiers jours après une infection sont décisifs.",
		"Les journalistes femmes sont ciblées plus que les autres et en ont besoin d'abord.", "Les exilés sont souvent oubliés.",
		"Le soutien ne doit pas dépendre d'une prise de parole publique.", "Les partenaires locaux savent qui a besoin d'aide.", "Les financements baissent chaque année.",
		"Nous avons vu ce qui arrive sans cela.", "Personne ne devrait affronter cela seul.", "Le coût est faible au regard du préjudice."}

	// How a state's export regime works (in English: the states' answers
	// were in English), two sentences built from parts.
	regimeLawEN = []string{"Our export control list", "A decree of 2019", "The national customs code", "The EU dual-use regulation, with national additions,",
		"A law passed last year", "Our Wassenaar implementation", "A licensing regime for vendors", "The defence trade act"}
	regimeCoversEN = []string{"covers", "controls", "applies to", "regulates", "restricts", "requires licences for"}
	regimeWhatEN   = []string{"intrusion software", "hacking services", "exploit brokering", "surveillance technology", "technical assistance to foreign buyers",
		"zero-day sales", "training in offensive tools", "lawful interception products", "cloud-delivered spyware"}
	regimeButEN = []string{"", "", "but not research tools", "including maintenance contracts", "for firms and individual contractors", "since its last amendment",
		"with few exemptions", "though enforcement lags"}
	regimeBodyEN = []string{"An inter-ministerial committee", "The foreign ministry", "A unit of the trade ministry", "The export control agency",
		"An independent panel", "Customs officers", "The intelligence oversight body", "A licensing board"}
	regimeDoesEN = []string{"reviews each licence", "checks end-user certificates", "screens buyers for human-rights risk", "can veto any sale",
		"audits exporters every year", "publishes refusals", "reports to parliament", "inspects company records"}
	regimeHowEN = []string{"", "within sixty days", "with input from civil society", "behind closed doors", "against sanctions lists", "on a risk basis",
		"with limited staff", "and fines breaches"}

	// What good practice an industry respondent follows, two sentences
	// built from parts.
	practiceWhoEN = []string{"", "", "As a small security firm,", "As a vendor of lawful interception tools,", "As an exploit researcher,", "As a penetration testing company,",
		"As a reseller,", "As a large defence contractor,", "As a start-up,", "Like most of our peers,"}
	practiceDoEN = []string{"we refuse sales to", "we vet", "we run know-your-customer checks on", "we keep records of contracts with", "we audit",
		"we train staff to spot risks from", "we cut off", "we report to regulators on",
		"we ask for references from", "we limit what we sell to", "we hold annual reviews with", "we have stopped working with"}
	practiceWhomEN = []string{"governments with records of abuse", "resellers", "every new customer", "police agencies abroad", "intermediaries",
		"customers who misuse our tools", "brokers we have not met", "buyers in sanctioned countries", "defence ministries",
		"private investigators", "universities buying training", "subcontractors", "new markets"}
	practiceWhenEN = []string{"", "every year", "before each contract", "since 2021", "as a rule", "without exception", "when in doubt", "at board level"}
	practiceToolEN = []string{"Our disclosure programme", "An outside expert", "A human-rights policy", "Our ethics committee", "A transparency report",
		"Our compliance team", "An annual audit", "A whistle-blowing line",
		"Our board", "A customer code of conduct", "Peer review with other firms", "Our legal counsel"}
	practiceHelpsEN = []string{"helps", "keeps us honest", "was costly but worth it", "pays researchers", "is public", "reports to the board",
		"catches problems early", "was introduced after an internal review",
		"has cost us contracts", "took two years to set up", "is checked by our insurer", "could be a model for others"}
)

// optional is a slot left empty as often as not.
func optional(parts []string) []string {
	out := slices.Clone(parts)
	for range parts {
		out = append(out, "")
	}
	return out
}

// nextAnswer is an organic answer to "what should the Process do next",
// in the respondent's language.
func nextAnswer(rng *rand.Rand, lang string) string {
	if lang == "fr" {
		return compose(rng, slots{openersFR, actorsFR, nextVerbFR, nextWhatFR, nextWhereFR, whenFR, optional(whyFR)}) + "."
	}
	return compose(rng, slots{openersEN, actorsEN, modalsEN, nextVerbEN, nextWhatEN, nextWhereEN, whenEN, optional(whyEN)}) + "."
}

// supportAnswer is an organic answer on support for people targeted.
func supportAnswer(rng *rand.Rand, lang string) string {
	if lang == "fr" {
		return strings.TrimSpace(compose(rng, slots{openersFR, actorsFR, supportFR, supportForFR, whenFR, optional(whyFR)}) + ". " + compose(rng, slots{supportExtraFR}))
	}
	return strings.TrimSpace(compose(rng, slots{openersEN, actorsEN, modalsEN, supportEN, supportForEN, whenEN, optional(whyEN)}) + ". " + compose(rng, slots{supportExtraEN}))
}

// regimeAnswer is a state's organic description of its export regime.
func regimeAnswer(rng *rand.Rand) string {
	return compose(rng, slots{regimeLawEN, regimeCoversEN, regimeWhatEN, regimeButEN}) + ". " + compose(rng, slots{regimeBodyEN, regimeDoesEN, regimeHowEN}) + "."
}

// practiceAnswer is an industry respondent's organic good practice.
func practiceAnswer(rng *rand.Rand) string {
	return compose(rng, slots{practiceWhoEN, practiceDoEN, practiceWhomEN, practiceWhenEN}) + ". " + compose(rng, slots{practiceToolEN, practiceHelpsEN}) + "."
}

// otherChainAnswer is an industry respondent's "other" part of the value
// chain.
func otherChainAnswer(rng *rand.Rand) string {
	return compose(rng, slots{{"Penetration testing", "Red-team exercises", "Forensic analysis", "Threat intelligence", "Security training",
		"A bug bounty platform", "Device unlocking", "Data extraction tools"}, {"", "services", "for governments", "for companies", "and consulting"}})
}
