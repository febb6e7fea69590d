package store

import (
	"crypto/rand"
	"encoding/hex"
)

// NewLeaseOwner returns a random name for one process (or one worker) to
// hold leases under (see TakeLease). A restarted process gets a new name,
// so it waits for its predecessor's leases to expire.
func NewLeaseOwner() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}
