package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestServeRefusesAReadReplicaOnSQLite(t *testing.T) {
	const want = "--database-replica needs --database postgres://...: SQLite has no read replicas"
	_, _, err := runCmd(t, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--database-replica", "postgres://replica.example/pallmall")
	if exitCode(err) != 2 || err == nil || err.Error() != want {
		t.Errorf("serve --database-replica on SQLite = %v (exit %d); want the usage error %q", err, exitCode(err), want)
	}
	t.Setenv("PALLMALL_DATABASE_REPLICA", "postgres://replica.example/pallmall")
	if _, _, err := runCmd(t, "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"); exitCode(err) != 2 || err == nil || err.Error() != want {
		t.Errorf("PALLMALL_DATABASE_REPLICA on SQLite = %v (exit %d); want the usage error", err, exitCode(err))
	}
}

// TestServeWithAReadReplica starts the platform with --database-replica's
// setting: anonymous public pages read the replica (a separate database
// holding an organisation the primary lacks). Started again with the
// replica's address refusing connections, it starts anyway, says so in its
// log and in /readyz, and serves from the primary.
func TestServeWithAReadReplica(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skipf("%s not set", storetest.EnvURL)
	}
	ctx := context.Background()
	replicaURL, replica := storetest.Replica(t)
	if _, err := (&auth.Service{DB: replica}).CreateOrganisation(ctx, auth.System, auth.Organisation{NameEN: "Replicania", NameFR: "Réplicanie", Kind: auth.State, Country: "NO"}); err != nil {
		t.Fatal(err)
	}
	primary := storetest.URL(t)
	a := &App{Demo: true}
	a.DB = dbFlags{dataDir: t.TempDir(), url: primary, replica: replicaURL}
	url, stop := startApp(t, a)
	if code, body := httpGet(t, url+"/organisations"); code != 200 || !strings.Contains(body, "Replicania") || strings.Contains(body, "Ghana") {
		t.Errorf("anonymous /organisations = %d, want the replica's organisation and not the primary's demo ones", code)
	}
	if code, body := httpGet(t, url+"/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("/readyz = %d %q", code, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	down := storetest.UnreachableURL(t)
	var logs strings.Builder
	b := &App{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	b.DB = dbFlags{dataDir: a.DB.dataDir, url: primary, replica: down}
	url, _ = startApp(t, b)
	if !strings.Contains(logs.String(), "read replica unreachable at start") {
		t.Errorf("no warning in the log of a start with the replica down:\n%s", logs.String())
	}
	if code, body := httpGet(t, url+"/organisations"); code != 200 || !strings.Contains(body, "Ghana") {
		t.Errorf("anonymous /organisations with the replica down = %d, want the primary's demo organisations", code)
	}
	if code, body := httpGet(t, url+"/readyz"); code != 200 || body != "ready; read replica unreachable, reading from the primary\n" {
		t.Errorf("/readyz with the replica down = %d %q", code, body)
	}
}
