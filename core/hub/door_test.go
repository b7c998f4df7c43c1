package hub

import (
	"encoding/json"
	"io"
	"log/slog"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/crmhub/crmhub/core/store/storetest"
	"github.com/crmhub/crmhub/sdk"
)

var _ = Describe("the door's stored plugin profiles", func() {
	storetest.ForEachDialect(func(db *storetest.DB) {
		It("ends with the Info a plugin gave last, however many it gave in a row", func(ctx SpecContext) {
			st := db.Store()
			d, err := newDoor(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
			Expect(err).NotTo(HaveOccurred())
			const n = 200
			for i := 1; i <= n; i++ {
				d.learn("klicktipp", sdk.Info{Name: "klicktipp", Version: strconv.Itoa(i)})
			}
			Eventually(d.saved).Should(BeTrue())
			rows, err := st.PluginProfiles(ctx)
			Expect(err).NotTo(HaveOccurred())
			var info sdk.Info
			Expect(json.Unmarshal([]byte(rows["klicktipp"]), &info)).To(Succeed())
			Expect(info.Version).To(Equal(strconv.Itoa(n)))
		})
	})
})
