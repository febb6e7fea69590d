package campaign

import "strings"

// stopWords are English and French words too common to say what an answer
// is about, in normalised form (lower case, accents kept). Words of fewer
// than three letters are dropped anyway.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(stopWordList) {
		m[w] = true
	}
	return m
}()

const stopWordList = `
about above after again against all also although among and any are aren because been before
being below between both but can cannot could did does doing don down during each either else
ever every few for from further had has have having her here hers herself him himself his how
however into its itself just least less like made make many may might more most much must
myself neither nor not now off once one only other ought our ours ourselves out over own per
rather same she should since some such than that the their theirs them themselves then there
these they this those though through thus too under until upon very was were what when where
whether which while who whom whose why will with within without would yes yet you your yours
yourself yourselves get got let lets use used using well also etc way ways thing things
need needs think believe agree disagree want wants please thank thanks dear sir madam regards

alors après aussi autre autres aux avant avec avoir ayant cela celle celles celui ceci ces cet
cette ceux chaque chez comme comment dans depuis des deux doit doivent donc dont elle elles encore
entre est été étaient était être eux fait faire fois font hors ici ils jamais leur leurs lorsque
mais même mes moi moins mon nos notre nous ont ou où par parce pas pendant peu peut peuvent plus
pour pourquoi quand que quel quelle quelles quels qui quoi sans sera seront ses selon sera son
sont sous sur tant tel telle telles tels tous tout toute toutes très une vers vos votre vous
avons avez sommes êtes suis être serait seraient devrait devraient faut ainsi afin déjà
bien car celui cependant contre dès donc lors puis quelque quelques soit toujours trop
merci madame monsieur cordialement pense pensons crois croyons
`
