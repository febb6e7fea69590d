package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/meet"
	"github.com/pallmall/pallmall/vault"
)

// runKeysRotate adds a new identity key and re-seals every identity field
// with it. Old keys stay in the key file so that backups made before the
// rotation can still be restored and read.
func runKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("keys rotate", stderr)
	var d dbFlags
	d.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	dir := filepath.Join(d.dataDir, "keys")
	id, err := vault.AddKey(dir)
	if err != nil {
		return err
	}
	keys, err := d.keys()
	if err != nil {
		return err
	}
	n, err := (&auth.Service{DB: db, Keys: keys}).ResealUsers(ctx)
	if err != nil {
		return fmt.Errorf("re-seal accounts with key %s: %w", id, err)
	}
	mails, err := meet.ResealOutbox(ctx, db, keys)
	if err != nil {
		return fmt.Errorf("re-seal the meetings' email outbox with key %s: %w", id, err)
	}
	members, err := meet.ResealParticipants(ctx, db, keys)
	if err != nil {
		return fmt.Errorf("re-seal meeting delegations' members with key %s: %w", id, err)
	}
	responses, err := consult.ResealResponses(ctx, db, keys)
	if err != nil {
		return fmt.Errorf("re-seal consultation respondents with key %s: %w", id, err)
	}
	resumeMails, err := consult.ResealMail(ctx, db, keys)
	if err != nil {
		return fmt.Errorf("re-seal the consultations' resume emails with key %s: %w", id, err)
	}
	mails += resumeMails
	fmt.Fprintf(stdout, "New identity key %s in %s; re-sealed %d accounts, %d outbox emails, %d delegation members and %d consultation responses.\nCopy the key file to every server running pallmall on this database, and back it up.\n", id, filepath.Join(dir, vault.FileName), n, mails, members, responses)
	return nil
}
