package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptty/uptty/config"
	"github.com/uptty/uptty/history"
	"github.com/uptty/uptty/notify"
)

// outboxName is the name sender's alerts are kept (and logged and counted) under: the name the
// config gives it now. A sender renamed by a reload goes on under its old name until a restart
// (reconfigure), and the restart knows it by the new one only: its rows must carry that one,
// or the restart would give its pending alerts up and not know which downs it sent.
func (la *liveAlerts) outboxName(sender string) string {
	if m := la.outboxNames.Load(); m != nil {
		if name, ok := (*m)[sender]; ok {
			return name
		}
	}
	return sender
}

// reconfigure gives the engine a reloaded config's services, rules and windows. Its senders stay
// those it started with (started, from the config was): a sender added to the config is used
// after a restart, and its rule is left out meanwhile. A sender renamed (see renamedSenders)
// goes on as the dispatcher's sender of its old name, with the new name's rule, so that the
// services that now name it are still paged, and its outages' recoveries and reminders still go
// where their downs went; its outbox rows take the new name (rename).
//
// note is told what only a restart applies, each thing once: at the reload that brought it, not
// again at every reload after it while it waits.
//
// An alert a reload no longer routes (its service removed, or its sender taken off the
// service's alerts: list) is re-sent to Alertmanager no more (alert.Dispatcher.Forget): it
// expires there, as after a restart. The services it brought back (back) resume
// their outage in the engine as after a restart: its ack, its dependency, its reminders and its
// recovery alert.
func (la *liveAlerts) reconfigure(cfg *config.Config, set senderSet, started map[string]bool, was *config.Config, back broughtBack,
	note func(msg string, args ...any)) {
	renamed := renamedSenders(was.Alerts, cfg.Alerts)
	var rules []notify.Rule
	var waiting []string
	for _, r := range set.rules {
		if old, ok := renamed[r.Name]; ok && started[old] {
			r.Name = old
		} else if !started[r.Name] {
			waiting = append(waiting, r.Name)
			continue
		}
		rules = append(rules, r)
	}
	services := cfg.Services
	if len(renamed) > 0 {
		services = underOldNames(cfg.Services, renamed)
	}
	la.engine.Reconfigure(services, rules, cfg.Maintenance)
	la.disp.Forget(func(sender, service string) bool { return !la.engine.Sends(service, sender) })
	if len(back.statuses) > 0 {
		la.resend(la.engine.Resume(back.statuses, back.vias, back.acks, la.known))
	}
	for _, name := range waiting {
		if !slices.Contains(la.waiting, name) {
			note("alert sender added: it is used after a restart", "sender", name)
		}
	}
	for name, old := range renamed {
		if la.renamed[name] != old && started[old] {
			note("alert sender renamed", "sender", name, "was", old)
		}
	}
	// The services the config gives senders that all wait for a restart page nobody meanwhile:
	// that must not be left to be inferred from the lines above.
	var silent []string
	for i, svc := range services {
		if routes(set.rules, cfg.Services[i]) && !routes(rules, svc) {
			silent = append(silent, svc.Name)
		}
	}
	if len(silent) > 0 && !slices.Equal(silent, la.silent) {
		note("services without an alert sender until a restart: the senders they name are new", "services", listed(silent, 20))
	}
	la.rename(renamed)
	la.waiting, la.renamed, la.silent = waiting, renamed, silent
}

// rename makes the outbox rows and the counts of the senders renamed (new name to old) carry
// their new names, and those of a sender renamed before and no more (renamed back, or removed)
// its name again.
func (la *liveAlerts) rename(renamed map[string]string) {
	next := make(map[string]string, len(renamed))
	for name, old := range renamed {
		next[old] = name
	}
	la.renaming.Lock()
	defer la.renaming.Unlock()
	was := map[string]string{}
	if m := la.outboxNames.Load(); m != nil {
		was = *m
	}
	for _, old := range slices.Collect(maps.Keys(was)) {
		if _, ok := next[old]; !ok {
			next[old] = old
		}
	}
	for old, name := range next {
		if from := cmp.Or(was[old], old); from != name {
			la.hist.Store.RenameSender(from, name)
			if la.counts != nil {
				la.counts.rename(from, name)
			}
		}
	}
	maps.DeleteFunc(next, func(old, name string) bool { return old == name })
	la.outboxNames.Store(&next)
}

// routes reports whether any of rules sends svc's alerts.
func routes(rules []notify.Rule, svc config.Service) bool {
	return slices.ContainsFunc(rules, func(r notify.Rule) bool { return r.Sends(svc) })
}

// listed is names joined with commas, the first most of them and how many more.
func listed(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ",")
	}
	return strings.Join(names[:most], ",") + fmt.Sprintf(" and %d more", len(names)-most)
}

// renamedSenders finds the senders of now that are senders of was renamed: one not in was that
// delivers as one of was that is not in now (sameDelivery), each the only one of its side that
// does. It maps the new name to the old.
func renamedSenders(was, now []config.Alert) map[string]string {
	return renamedBy(deliveries(was), deliveries(now))
}

// deliveries maps each sender of list to its deliveryKey.
func deliveries(list []config.Alert) map[string]string {
	out := make(map[string]string, len(list))
	for _, a := range list {
		out[a.Name] = deliveryKey(a)
	}
	return out
}

// renamedBy is renamedSenders over senders as name to delivery key: the new name to the old of
// each name of now not in was whose key is that of exactly one name of was not in now, and no
// other such name of now has it.
func renamedBy(was, now map[string]string) map[string]string {
	gone, added := map[string][]string{}, map[string][]string{}
	for name, key := range was {
		if _, ok := now[name]; !ok {
			gone[key] = append(gone[key], name)
		}
	}
	for name, key := range now {
		if _, ok := was[name]; !ok {
			added[key] = append(added[key], name)
		}
	}
	var renamed map[string]string
	for key, names := range added {
		if old := gone[key]; len(old) == 1 && len(names) == 1 {
			renamed = setKey(renamed, names[0], old[0])
		}
	}
	return renamed
}

// sameDelivery reports whether the senders a and b deliver alike: the same destination, format,
// headers, command and bounds.
func sameDelivery(a, b config.Alert) bool { return deliveryKey(a) == deliveryKey(b) }

// deliveryKey stands for where and how a delivers (what sameDelivery compares) and nothing of
// its name or rules: a hash, since history keeps it (see keepSenders) and headers and URLs
// carry secrets.
func deliveryKey(a config.Alert) string {
	b, _ := json.Marshal(struct {
		Type, URL, Format    string
		Headers              []config.Header
		Command              []string
		Timeout, GiveUpAfter time.Duration
	}{a.Type, a.URL, a.Format, a.Headers, a.Command, a.Timeout, a.GiveUpAfter})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// keepSenders tells history the senders whose alerts the outbox keeps now (see
// history.Store.KeepSenders), after renaming the rows of those the config renamed since it last
// did: a sender renamed while no uptty ran, or by a reload whose rename was not committed
// before uptty was killed, goes on with its pending alerts instead of giving them up. It
// returns the renames (new name to old).
func keepSenders(store *history.Store, cfg *config.Config, durable map[string]bool) (map[string]string, error) {
	now := map[string]string{}
	for _, a := range cfg.Alerts {
		if durable[a.Name] {
			now[a.Name] = deliveryKey(a)
		}
	}
	was, err := store.Senders()
	if err != nil {
		return nil, err
	}
	renamed := renamedBy(was, now)
	byOld := make(map[string]string, len(renamed))
	for name, old := range renamed {
		byOld[old] = name
	}
	return renamed, store.KeepSenders(context.Background(), byOld, now)
}

// underOldNames is services with the renamed senders in their alerts: lists under their old
// names, the ones the engine and the dispatcher know; the others are shared, not copied.
func underOldNames(services []config.Service, renamed map[string]string) []config.Service {
	out := slices.Clone(services)
	for i, svc := range out {
		if !slices.ContainsFunc(svc.Alerts, func(n string) bool { _, ok := renamed[n]; return ok }) {
			continue
		}
		names := slices.Clone(svc.Alerts)
		for k, n := range names {
			if old, ok := renamed[n]; ok {
				names[k] = old
			}
		}
		out[i].Alerts = names
	}
	return out
}
