package consult

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/xuri/excelize/v2"
)

// rowWriter writes the export's rows, the header first. write must not
// keep row, which the caller reuses.
type rowWriter interface {
	write(row []string) error
	close() error
}

// csvRows writes CSV through encoding/csv over a large buffer; cells that
// a spreadsheet would read as a formula get a leading apostrophe.
type csvRows struct {
	w  *csv.Writer
	bw *bufio.Writer
}

func (c *csvRows) write(row []string) error {
	for i, v := range row {
		row[i] = csvSafe(v)
	}
	return c.w.Write(row)
}

func (c *csvRows) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// csvSafe stops a spreadsheet reading a typed answer as a formula.
func csvSafe(v string) string {
	if v != "" {
		switch v[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + v
		}
	}
	return v
}

// jsonRows writes a JSON array of objects from column name to cell, each
// object on its own line with its keys sorted, as json.Marshal writes a
// map: the keys are encoded once and the cells appended in their order.
type jsonRows struct {
	w     *bufio.Writer
	order []int    // cells in the order of their sorted column names
	keys  [][]byte // the encoded `"name":` of each cell in that order
	n     int
	buf   []byte
}

func newJSONRows(w *bufio.Writer, header []string) *jsonRows {
	j := &jsonRows{w: w, order: make([]int, len(header))}
	for i := range j.order {
		j.order[i] = i
	}
	sort.SliceStable(j.order, func(a, b int) bool { return header[j.order[a]] < header[j.order[b]] })
	// A repeated name keeps its last cell, as in a map.
	kept := j.order[:0]
	for i, c := range j.order {
		if i+1 < len(j.order) && header[j.order[i+1]] == header[c] {
			continue
		}
		kept = append(kept, c)
	}
	j.order = kept
	for i, c := range j.order {
		k := appendJSONString(nil, header[c])
		if i > 0 {
			k = append([]byte{','}, k...)
		}
		j.keys = append(j.keys, append(k, ':'))
	}
	return j
}

func (j *jsonRows) write(row []string) error {
	if j.n == 0 { // the header names the keys
		j.n++
		_, err := j.w.WriteString("[")
		return err
	}
	b := j.buf[:0]
	if j.n > 1 {
		b = append(b, ',')
	}
	b = append(b, '\n', '{')
	for i, c := range j.order {
		b = append(b, j.keys[i]...)
		b = appendJSONString(b, row[c])
	}
	b = append(b, '}')
	j.n++
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

func (j *jsonRows) close() error {
	if j.n == 0 {
		if _, err := j.w.WriteString("["); err != nil {
			return err
		}
	}
	if _, err := j.w.WriteString("\n]\n"); err != nil {
		return err
	}
	return j.w.Flush()
}

// appendJSONString appends s as encoding/json writes a string: printable
// ASCII other than the quote, backslash and HTML's < > & is copied as it
// is; anything else goes through json.Marshal.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// xlsxRows writes one sheet through excelize's stream writer, which keeps
// rows in a temporary file rather than in memory. File.WriteTo builds the
// whole zip in a bytes.Buffer before copying it out (55 MB at a million
// responses, growing with their number), so the zip writer is pointed
// straight at the export's buffered writer instead. What that loses:
// excelize's rewrite of local file headers for zip64 entries (a sheet
// over 4 GiB uncompressed, several million responses), which only Excel's
// stricter readers want.
type xlsxRows struct {
	w     *bufio.Writer
	f     *excelize.File
	sw    *excelize.StreamWriter
	n     int
	cells []any
}

func newXLSXRows(w *bufio.Writer, columns int) (*xlsxRows, error) {
	f := excelize.NewFile()
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxRows{w: w, f: f, sw: sw, cells: make([]any, columns)}, nil
}

func (x *xlsxRows) write(row []string) error {
	x.n++
	cell, err := excelize.CoordinatesToCellName(1, x.n)
	if err != nil {
		return err
	}
	for i, v := range row {
		if v == "" {
			x.cells[i] = nil // no cell at all: smaller and faster, and reads back the same
		} else {
			x.cells[i] = v
		}
	}
	return x.sw.SetRow(cell, x.cells)
}

func (x *xlsxRows) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	// The workbook goes to x.w through the zip writer; excelize's own
	// buffer must stay empty.
	n, err := x.f.WriteTo(io.Discard)
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("xlsx export: excelize buffered %d bytes instead of streaming them", n)
	}
	return x.w.Flush()
}
