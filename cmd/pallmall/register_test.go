package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegisterImportExportCommands(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "firms.csv")
	os.WriteFile(file, []byte("kind,name,confidence,entity_kind,incorporated,status,source1_ref,source1_publisher,source1_date\n"+
		"entity,Fictional One,reported,vendor,FR,active,https://example.org/1,Example,2024\n"+
		"entity,Fictional Two,reported,vendor,QQ,active,https://example.org/2,Example,2024\n"), 0o600)
	data := filepath.Join(dir, "data")
	out, _, err := runCmd(t, "register", "import", "--file", file, "--data", data)
	if err == nil || !strings.Contains(out, "firms.csv:3, column incorporated:") || !strings.Contains(out, "nothing was imported") {
		t.Errorf("register import (bad line) = %q, %v; want line 3 reported and nothing imported", out, err)
	}
	out, _, err = runCmd(t, "register", "import", "--file", file, "--data", data, "--skip-bad")
	if !strings.Contains(out, "Imported 1 records; 1 lines skipped.") {
		t.Errorf("register import --skip-bad = %q, %v", out, err)
	}
	out, _, err = runCmd(t, "register", "export", "--data", data, "--format", "csv")
	if err != nil || !strings.Contains(out, "Fictional One") || strings.Contains(out, "Fictional Two") {
		t.Errorf("register export = %q, %v; want Fictional One only", out, err)
	}
	out, _, err = runCmd(t, "register", "export", "--data", data, "--format", "stix")
	if err != nil || !strings.Contains(out, `"type": "bundle"`) {
		t.Errorf("register export --format stix = %q, %v", out, err)
	}
	if _, _, err := runCmd(t, "register", "import", "--data", data); exitCode(err) != 2 {
		t.Errorf("register import without --file: exit %d, want 2", exitCode(err))
	}
}
