package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
)

// runConsultExport writes a consultation's responses to standard output,
// streamed, with a progress bar on standard error.
func runConsultExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flagSet("consult export", stderr)
	var db dbFlags
	db.register(fs)
	id := fs.Int64("id", 0, "consultation id")
	format := fs.String("format", "csv", "csv, json, xlsx, or partner (the age-encrypted partner package)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id <= 0 {
		return usageError{"--id is required"}
	}
	switch *format {
	case consult.CSV, consult.JSON, consult.XLSX, "partner":
	default:
		return usageError{"--format must be csv, json, xlsx or partner"}
	}
	d, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	keys, err := db.keys()
	if err != nil {
		return err
	}
	svc := &consult.Service{DB: d, Keys: keys}
	out := bufio.NewWriterSize(stdout, 64<<10)
	if *format == "partner" {
		if err := svc.PartnerExport(ctx, auth.System, *id, out); err != nil {
			return err
		}
		return out.Flush()
	}
	bar := &progressBar{w: stderr, quiet: *quiet}
	err = svc.Export(ctx, auth.System, *id, consult.ExportOptions{Format: *format, Progress: bar.update}, out)
	bar.finish()
	if err != nil {
		return err
	}
	return out.Flush()
}

// progressBar draws "[#####     ]  50%  500/1000" on one line, at most ten
// times a second.
type progressBar struct {
	w     io.Writer
	quiet bool
	last  time.Time
	done  int
	total int
}

func (p *progressBar) update(done, total int) {
	p.done, p.total = done, total
	if p.quiet || time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	p.draw()
}

func (p *progressBar) draw() {
	if p.total <= 0 {
		return
	}
	const width = 30
	filled := p.done * width / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %d/%d", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), p.done*100/p.total, p.done, p.total)
}

func (p *progressBar) finish() {
	if p.quiet || p.total == 0 {
		return
	}
	p.draw()
	fmt.Fprintln(p.w)
}
