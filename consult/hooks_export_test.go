package consult

// SetBeforeDirectTx makes f run between SubmitDirect's checks and its
// transaction, so a test can change the consultation meanwhile.
func (s *Service) SetBeforeDirectTx(f func()) { s.beforeDirectTx = f }
