package meet

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// participantHeader names the export's columns.
var participantHeader = []string{"organisation", "status", "rank", "name", "job_title", "head_of_delegation", "interpretation", "dietary", "access_needs"}

// participantRows flattens registrations into one row per person, leaving
// out cancelled registrations.
func participantRows(regs []Registration, orgName func(int64) string) [][]string {
	var out [][]string
	for _, r := range regs {
		if r.Status == Cancelled {
			continue
		}
		for _, p := range r.Participants {
			head := "no"
			if p.Head {
				head = "yes"
			}
			out = append(out, []string{orgName(r.OrganisationID), string(r.Status), strconv.Itoa(r.Rank), p.Name, p.JobTitle, head, string(r.Interpretation), p.Dietary, p.AccessNeeds})
		}
	}
	return out
}

// defuse stops a spreadsheet from reading a cell as a formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteParticipantsCSV writes the list of participants as CSV (UTF-8, with
// a header row), one row per person. It holds dietary and access needs:
// only the secretariat may be given it.
func WriteParticipantsCSV(w io.Writer, regs []Registration, orgName func(int64) string) error {
	cw := csv.NewWriter(w)
	cw.Write(participantHeader)
	for _, row := range participantRows(regs, orgName) {
		for i := range row {
			row[i] = defuse(row[i])
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// WriteParticipantsXLSX writes the same list as an Excel workbook.
func WriteParticipantsXLSX(w io.Writer, regs []Registration, orgName func(int64) string) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Participants"
	f.SetSheetName("Sheet1", sheet)
	write := func(n int, row []string) error {
		cell, err := excelize.CoordinatesToCellName(1, n)
		if err != nil {
			return err
		}
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = v
		}
		return f.SetSheetRow(sheet, cell, &vals)
	}
	if err := write(1, participantHeader); err != nil {
		return err
	}
	for i, row := range participantRows(regs, orgName) {
		if err := write(i+2, row); err != nil {
			return err
		}
	}
	_, err := f.WriteTo(w)
	return err
}
