package campaign

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Kinds of Flag.
const (
	KindBurst            = "burst"
	KindFastTyping       = "fast-typing"
	KindSameOrganisation = "same-organisation"
)

// Flag is evidence of a suspicious pattern, for an analyst to weigh. It
// never proves anything and nothing acts on it: a fast answer may have
// been pasted from a draft, an organisation may really have many staff
// answering. The platform translates Kind into its labels and shows the
// typed fields; Evidence is a plain English summary for logs and tests.
type Flag struct {
	Kind string
	// ResponseIDs are the answers or responses the flag is about: the
	// answers of a burst, the fast answer, the responses claiming the
	// organisation.
	ResponseIDs []int64
	Evidence    string

	// Count is the number of responses involved.
	Count int
	// Start is when the burst window started (burst), when typing started
	// (fast-typing), or the first claim (same-organisation).
	Start time.Time
	// Window is the burst window (burst), the time taken to answer
	// (fast-typing), or the span from first to last claim
	// (same-organisation).
	Window time.Duration
	// Chars and CharsPerSecond are the answer's length and its rate
	// (fast-typing).
	Chars          int
	CharsPerSecond float64
	// Organisation is the organisation key and Contacts the number of
	// different contacts claiming it (same-organisation).
	Organisation string
	Contacts     int
}

// BurstOptions tune Bursts. The zero value gives the defaults.
type BurstOptions struct {
	// MinCount is the number of a campaign's answers within its burst
	// window that raises a flag (default 20).
	MinCount int
}

// Bursts flags the campaigns whose densest window (Campaign.Burst, within
// Options.BurstWindow given to Find, one minute by default) holds at least
// MinCount answers: twenty near-identical answers in a minute is more
// than people writing separately tend to produce, though a newsletter or
// a meeting can cause it too.
func Bursts(campaigns []Campaign, opts BurstOptions) []Flag {
	if opts.MinCount <= 0 {
		opts.MinCount = 20
	}
	var out []Flag
	for _, c := range campaigns {
		if c.Burst < opts.MinCount {
			continue
		}
		out = append(out, Flag{
			Kind: KindBurst, ResponseIDs: slices.Clone(c.BurstIDs), Count: c.Burst,
			Start: c.BurstStart, Window: c.BurstWindow,
			Evidence: fmt.Sprintf("%d answers of one campaign of %d submitted within %s from %s",
				c.Burst, c.Size, c.BurstWindow, c.BurstStart.UTC().Format(time.RFC3339)),
		})
	}
	return out
}

// Timing is when one response was started and submitted, and the length
// of its free text in characters.
type Timing struct {
	ResponseID         int64
	Chars              int
	Started, Submitted time.Time
}

// TypingOptions tune FastTyping. The zero value gives the defaults.
type TypingOptions struct {
	// MaxCharsPerSecond is the fastest sustained rate considered
	// plausible (default 10). Skilled typists reach about 6 to 8
	// characters a second in bursts (70 to 90 words a minute), and
	// composing an answer is slower than copying one, so a long answer
	// written at more than 10 a second was most likely pasted, whether
	// from a personal draft or from a campaign's script.
	MaxCharsPerSecond float64
	// MinChars is the shortest answer considered (default 200): a short
	// answer can be typed fast.
	MinChars int
}

// FastTyping flags responses of at least MinChars characters submitted
// faster than MaxCharsPerSecond since they were started, fastest first.
// A response submitted no later than it started is taken to have taken
// one second. Timings without both times are skipped. This is evidence
// of pasting or automation, never proof.
func FastTyping(ts []Timing, opts TypingOptions) []Flag {
	if opts.MaxCharsPerSecond <= 0 {
		opts.MaxCharsPerSecond = 10
	}
	if opts.MinChars <= 0 {
		opts.MinChars = 200
	}
	var out []Flag
	for _, t := range ts {
		if t.Chars < opts.MinChars || t.Started.IsZero() || t.Submitted.IsZero() {
			continue
		}
		d := max(t.Submitted.Sub(t.Started), time.Second)
		rate := float64(t.Chars) / d.Seconds()
		if rate <= opts.MaxCharsPerSecond {
			continue
		}
		out = append(out, Flag{
			Kind: KindFastTyping, ResponseIDs: []int64{t.ResponseID}, Count: 1,
			Start: t.Started, Window: d, Chars: t.Chars, CharsPerSecond: rate,
			Evidence: fmt.Sprintf("%d characters submitted %s after starting: %.1f characters a second, above %.1f",
				t.Chars, d.Round(time.Second), rate, opts.MaxCharsPerSecond),
		})
	}
	slices.SortStableFunc(out, func(a, b Flag) int { return cmp.Compare(b.CharsPerSecond, a.CharsPerSecond) })
	return out
}

// Claim is a response's claim to speak for an organisation.
type Claim struct {
	ResponseID int64
	// Organisation is the organisation's key: OrganisationKey of the
	// name given, or a blind index of that key.
	Organisation string
	// Contact is a blind index of the contact email, "" if none.
	Contact string
	At      time.Time
}

// OrgOptions tune SameOrganisation. The zero value gives the defaults.
type OrgOptions struct {
	// MinContacts is the number of different contacts claiming one
	// organisation that raises a flag (default 3).
	MinContacts int
	// Window, when set, only counts contacts whose claims fall within one
	// window of that length; zero counts claims at any time.
	Window time.Duration
}

// SameOrganisation flags organisations claimed by at least MinContacts
// different contacts, most contacts first. Claims without an organisation
// are skipped; claims without a contact count as responses but not as
// contacts. An organisation may rightly answer through several people, so
// this is evidence for an analyst, not a finding.
func SameOrganisation(cs []Claim, opts OrgOptions) []Flag {
	if opts.MinContacts <= 0 {
		opts.MinContacts = 3
	}
	byOrg := map[string][]Claim{}
	var orgs []string
	for _, c := range cs {
		if c.Organisation == "" {
			continue
		}
		if _, ok := byOrg[c.Organisation]; !ok {
			orgs = append(orgs, c.Organisation)
		}
		byOrg[c.Organisation] = append(byOrg[c.Organisation], c)
	}
	var out []Flag
	for _, org := range orgs {
		claims := byOrg[org]
		slices.SortStableFunc(claims, func(a, b Claim) int { return a.At.Compare(b.At) })
		lo, hi := 0, len(claims) // the claims counted
		if opts.Window > 0 {
			lo, hi = densestContacts(claims, opts.Window)
		}
		in := claims[lo:hi]
		contacts := map[string]bool{}
		for _, c := range in {
			if c.Contact != "" {
				contacts[c.Contact] = true
			}
		}
		if len(contacts) < opts.MinContacts {
			continue
		}
		f := Flag{
			Kind: KindSameOrganisation, Organisation: org, Contacts: len(contacts), Count: len(in),
			Start: in[0].At, Window: in[len(in)-1].At.Sub(in[0].At),
		}
		for _, c := range in {
			f.ResponseIDs = append(f.ResponseIDs, c.ResponseID)
		}
		f.Evidence = fmt.Sprintf("%d responses claim organisation %q from %d different contacts within %s",
			f.Count, org, f.Contacts, f.Window.Round(time.Second))
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b Flag) int { return cmp.Compare(b.Contacts, a.Contacts) })
	return out
}

// densestContacts returns the window of claims (sorted by time) spanning
// at most w that holds the most different contacts.
func densestContacts(claims []Claim, w time.Duration) (lo, hi int) {
	count := map[string]int{}
	best, j := -1, 0
	for i, c := range claims {
		if c.Contact != "" {
			count[c.Contact]++
		}
		for c.At.Sub(claims[j].At) > w {
			if k := claims[j].Contact; k != "" {
				if count[k]--; count[k] == 0 {
					delete(count, k)
				}
			}
			j++
		}
		if len(count) > best {
			best, lo, hi = len(count), j, i+1
		}
	}
	return lo, hi
}

// orgSuffixes are legal forms dropped from organisation names, in English
// and French, so "Acme Ltd" and "ACME" compare equal.
var orgSuffixes = map[string]bool{
	"ltd": true, "limited": true, "inc": true, "llc": true, "plc": true, "corp": true, "co": true,
	"gmbh": true, "ag": true, "bv": true, "sa": true, "sas": true, "sarl": true, "sasu": true, "eurl": true,
	"the": true, "la": true, "le": true, "les": true, "l": true,
}

// OrganisationKey folds an organisation's name for comparison: Normalise,
// then leading articles and legal forms dropped ("The Acme Group Ltd." and
// "acme group" give "acme group"). Store a blind index of it rather than
// the key itself when the name is personal data.
func OrganisationKey(name string) string {
	// Dots join the letters of abbreviations: "S.A.S." is "SAS".
	ws := strings.Fields(Normalise(strings.ReplaceAll(name, ".", "")))
	for len(ws) > 1 && orgSuffixes[ws[0]] {
		ws = ws[1:]
	}
	for len(ws) > 1 && orgSuffixes[ws[len(ws)-1]] {
		ws = ws[:len(ws)-1]
	}
	return strings.Join(ws, " ")
}
