package consult_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"

	"github.com/pallmall/pallmall"
	"github.com/pallmall/pallmall/auth"
	"github.com/pallmall/pallmall/consult"
	"github.com/pallmall/pallmall/store"
	"github.com/pallmall/pallmall/store/storetest"
)

func TestAttachmentsOnlyForAnalysisAndOnlySubmitted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newExportFixture(t, db)
		// A draft's file is not an attachment anyone reads.
		_, draft, err := f.svc.Start(ctx, f.c.ID, civil())
		if err != nil {
			t.Fatal(err)
		}
		var pic bytes.Buffer
		png.Encode(&pic, image.NewGray(image.Rect(0, 0, 3, 3)))
		drafted, err := f.svc.SaveFile(ctx, f.c.ID, draft, f.file.ID, "draft.png", pic.Bytes())
		if err != nil {
			t.Fatal(err)
		}

		list, err := f.svc.Attachments(ctx, analyst, f.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Name != "evidence.png" || list[0].Type != "image/png" || list[0].Stakeholder != consult.State || list[0].QuestionID != f.file.ID {
			t.Fatalf("Attachments = %+v, want the state's evidence.png only", list)
		}
		a, data, err := f.svc.OpenAttachment(ctx, secretariat, f.c.ID, list[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(data)); err != nil || int64(len(data)) != a.Size {
			t.Errorf("opened %d bytes (size %d), decode: %v", len(data), a.Size, err)
		}

		for _, tc := range []struct {
			name    string
			actor   auth.Actor
			cons    int64
			file    int64
			wantErr error
		}{
			{"the public", public, f.c.ID, list[0].ID, pallmall.ErrForbidden},
			{"the partner", auth.Actor{UserID: 9, Role: auth.Partner}, f.c.ID, list[0].ID, pallmall.ErrForbidden},
			{"a delegate", auth.Actor{UserID: 8, Role: auth.Delegate, OrganisationID: 1}, f.c.ID, list[0].ID, pallmall.ErrForbidden},
			{"a draft's file", analyst, f.c.ID, drafted.ID, pallmall.ErrNotFound},
			{"under another consultation", analyst, f.c.ID + 1000, list[0].ID, pallmall.ErrNotFound},
			{"a missing file", analyst, f.c.ID, list[0].ID + 1000, pallmall.ErrNotFound},
		} {
			if _, _, err := f.svc.OpenAttachment(ctx, tc.actor, tc.cons, tc.file); !errors.Is(err, tc.wantErr) {
				t.Errorf("%s: OpenAttachment error %v, want %v", tc.name, err, tc.wantErr)
			}
		}
		if _, err := f.svc.Attachments(ctx, auth.Actor{UserID: 9, Role: auth.Partner}, f.c.ID); !errors.Is(err, pallmall.ErrForbidden) {
			t.Errorf("partner listing attachments: %v, want forbidden", err)
		}
	})
}
