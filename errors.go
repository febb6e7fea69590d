// Package pallmall holds what every part of the platform shares: the short
// list of error kinds that domain packages return and that the web and API
// layers map to HTTP status codes in one table each.
package pallmall

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors. Domain packages wrap them with %w so callers can test
// with errors.Is, and the store package maps database driver errors to them
// so nothing above it knows which database runs.
var (
	// ErrNotFound means the object does not exist or the actor may not know
	// that it exists: the two are deliberately indistinguishable.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists means a uniqueness rule was violated.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means the request conflicts with the object's current
	// state, for example a concurrent update or a closed consultation.
	ErrConflict = errors.New("conflict")
	// ErrForbidden means the actor is known but may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthenticated means the request carries no valid credentials.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrInvalid means the input failed validation; see ValidationError.
	ErrInvalid = errors.New("invalid input")
	// ErrRateLimited means the caller must wait before trying again.
	ErrRateLimited = errors.New("rate limited")
)

// ValidationError reports which fields of an input are wrong and why. Its
// messages are message-catalogue keys, not English text, so the web layer
// can show them in the user's language next to the field.
type ValidationError struct {
	// Fields maps a field name to a message key, in no particular order.
	Fields map[string]string
}

// Add records that field is invalid with the given message key. The first
// problem found for a field wins.
func (v *ValidationError) Add(field, key string) {
	if v.Fields == nil {
		v.Fields = make(map[string]string)
	}
	if _, ok := v.Fields[field]; !ok {
		v.Fields[field] = key
	}
}

// Err returns v as an error if any field is invalid, and nil otherwise.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

// Error lists the invalid fields in a stable order.
func (v *ValidationError) Error() string {
	names := make([]string, 0, len(v.Fields))
	for f := range v.Fields {
		names = append(names, f)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, f := range names {
		parts[i] = fmt.Sprintf("%s: %s", f, v.Fields[f])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true for every ValidationError.
func (v *ValidationError) Is(target error) bool { return target == ErrInvalid }
