package consult

// SuppressRow exposes suppressRow to the external tests.
var SuppressRow = suppressRow
