package campaigntest

// The generator's vocabulary: function words, topical content words, and
// syllables for the long tail of rarer words, in English and French.

const enFunction = `the of and to a in that is for it as with be on not this are by or from at an
have which but they their we has was can its more will would there been should all these also
any other such our may so than only if who into must them some when were could how about what
its most do no he she one those very because however without between each while where`

const frFunction = `de la le les et des à un une du en que qui pour dans est pas ne sur au par
plus ce il elle nous se ou sont leur ont aux son sa ses mais avec comme cette ces tout être
doit peut été aussi sans entre dont même lorsque afin nos notre vers chaque ainsi très leurs
on y si encore tous toutes car donc`

const enContent = `states government governments spyware surveillance software export exports
license licence licensing vendors companies market industry rights human privacy journalists
defenders activists lawyers victims targeted phones devices data access oversight accountability
transparency regulation rules law laws international process commitments framework sale sales
customers brokers exploits vulnerabilities disclosure researchers security civil society
intrusion capabilities commercial hacking hire services contracts audit logs judicial
authorisation independent review courts remedy compensation notification platforms messaging
encryption abuse abuses evidence investigation reporting standards due diligence risk risks
assessment controls sanctions embargo agreement partners allies trust citizens democracy
elections dissidents diaspora harassment monitoring interception telecom operators cloud
providers procurement budgets police intelligence agencies military secrecy public interest
parliament committee report reports register registry database incidents forensic analysis
lab laboratory tools malware zero click infection campaign campaigns policy policies`

const frContent = `états gouvernement gouvernements logiciels espions surveillance exportation
exportations licence licences fournisseurs entreprises marché industrie droits humains vie
privée journalistes défenseurs militants avocats victimes ciblés téléphones appareils données
accès contrôle responsabilité transparence réglementation règles droit lois international
processus engagements cadre vente ventes clients courtiers failles vulnérabilités divulgation
chercheurs sécurité société civile intrusion capacités commerciales piratage services contrats
journaux audit autorisation judiciaire indépendant examen tribunaux recours indemnisation
notification plateformes messagerie chiffrement abus preuves enquête normes diligence risque
risques évaluation contrôles sanctions embargo accord partenaires alliés confiance citoyens
démocratie élections dissidents diaspora harcèlement interception opérateurs fournisseurs
marchés publics police renseignement armée secret intérêt public parlement commission rapport
rapports registre base incidents analyse laboratoire outils maliciels clic infection politique`

const enSyllables = `ab ac al an ar as at ber bil ble bor cal can car cen com con cor cra de den der
dis el en er ex fer for gen gra im in ing ion ise ist lat lec ler low man mar ment min mis mon
nal ner nes ord per pol por pre pro ral ran rec res ri ro sen ser sion son sta sub ter tion tra
tro und ver vi`

const frSyllables = `a ai an au ba bé bi bo ca cé ce ché ci co con da dé di do é em en è fa fé fi
fon ga gé gi gue la lé li lo lu ma mé mi mo na né ni no on pa pé pi po pu que ra ré ri ro ru sa
sé si so ta té ti to tu va vé vi vo`

// synonyms are the words campaign templates swap, with what they swap
// them for.
var synonyms = map[string][]string{
	"must": {"should", "shall", "have to", "need to"}, "license": {"authorise", "permit", "approve"},
	"every": {"each", "all", "any"}, "publish": {"disclose", "release", "make public"},
	"decisions": {"rulings", "choices", "determinations"}, "vendors": {"suppliers", "companies", "sellers"},
	"assess": {"evaluate", "review", "examine"}, "risks": {"dangers", "threats", "hazards"},
	"targeted": {"attacked", "surveilled", "hacked"}, "ban": {"prohibit", "outlaw", "forbid"},
	"spyware":    {"surveillance software", "intrusion tools", "mercenary spyware"},
	"government": {"state", "authorities", "administration"}, "protect": {"safeguard", "defend", "shield"},
	"victims": {"targets", "those affected", "survivors"}, "urgent": {"pressing", "critical", "vital"},
	"strong": {"robust", "firm", "strict"}, "rules": {"regulations", "controls", "safeguards"},
	"oversight": {"scrutiny", "supervision", "monitoring"},

	"doivent": {"devraient", "sont tenus de"}, "publier": {"divulguer", "rendre publiques"},
	"évaluer": {"examiner", "apprécier"}, "journalistes": {"reporters", "journalistes d’investigation"},
	"ciblés": {"visés", "surveillés"}, "interdire": {"proscrire", "bannir"},
	"espions": {"de surveillance", "d’intrusion"}, "gouvernement": {"état", "autorités"},
	"protéger": {"défendre", "préserver"}, "victimes": {"cibles", "personnes touchées"},
	"pressant": {"urgent", "crucial"}, "règles": {"règlements", "contrôles"},
	"contrôle": {"supervision", "encadrement"}, "fournisseurs": {"vendeurs", "entreprises"},
	"risques": {"dangers", "menaces"},
}

var synonymKeys = [2][]string{
	{"must", "license", "every", "publish", "decisions", "vendors", "assess", "risks", "targeted",
		"ban", "spyware", "government", "protect", "victims", "urgent", "strong", "rules", "oversight"},
	{"doivent", "publier", "évaluer", "journalistes", "ciblés", "interdire", "espions",
		"gouvernement", "protéger", "victimes", "pressant", "règles", "contrôle", "fournisseurs", "risques"},
}
