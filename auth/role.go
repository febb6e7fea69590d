// Package auth owns people, organisations, roles, credentials and sessions,
// and answers the one question every other package asks: may this actor do
// this to this object?
package auth

import "slices"

// Role is what a signed-in person does in the process. The public has no
// role and no account.
type Role string

// The roles.
const (
	// Secretariat runs the process.
	Secretariat Role = "secretariat"
	// Delegate acts for an organisation.
	Delegate Role = "delegate"
	// Analyst reads and codes responses, with no personal data beyond what
	// consent allows.
	Analyst Role = "analyst"
	// Partner is a partner-government reader who sees only what respondents
	// consented to share.
	Partner Role = "partner"
)

// Roles lists every role in display order.
var Roles = []Role{Secretariat, Delegate, Analyst, Partner}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// RequiresTwoFactor reports whether accounts with this role must sign in
// with a second factor.
func (r Role) RequiresTwoFactor() bool { return r == Secretariat }

// Actor is who is asking: a signed-in user, the public (the zero Actor), or
// the command line run by the operator (System).
type Actor struct {
	UserID           int64
	Name             string
	Role             Role
	OrganisationID   int64 // 0 if the user acts as an individual
	SigningAuthority bool
	System           bool
}

// System is the actor for commands run by the operator on the server.
var System = Actor{System: true, Name: "command line"}

// SignedIn reports whether a is a signed-in user.
func (a Actor) SignedIn() bool { return a.UserID != 0 }

// Is reports whether a has one of the roles. The System actor has them all.
func (a Actor) Is(roles ...Role) bool {
	if a.System {
		return true
	}
	return a.SignedIn() && slices.Contains(roles, a.Role)
}

// Permission names something an actor may be allowed to do.
type Permission string

// The platform-wide permissions. Domain packages check object-level rules
// themselves (for example, a delegate acts only for their organisation).
const (
	ManageUsers         Permission = "users.manage"
	ManageOrganisations Permission = "organisations.manage"
	ReadAuditLog        Permission = "audit.read"
	ReadResponses       Permission = "responses.read"
	ReadSharedIdentity  Permission = "responses.read-shared-identity"
)

var grants = map[Permission][]Role{
	ManageUsers:         {Secretariat},
	ManageOrganisations: {Secretariat},
	ReadAuditLog:        {Secretariat},
	ReadResponses:       {Secretariat, Analyst},
	ReadSharedIdentity:  {Secretariat, Partner},
}

// Can reports whether a holds permission p.
func (a Actor) Can(p Permission) bool { return a.Is(grants[p]...) }

// ActsFor reports whether a may act for organisation orgID: the secretariat
// for any, a delegate only for their own.
func (a Actor) ActsFor(orgID int64) bool {
	if a.Is(Secretariat) {
		return true
	}
	return a.Is(Delegate) && orgID != 0 && a.OrganisationID == orgID
}
