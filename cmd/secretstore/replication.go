package main

// The replication subcommands: replicate and unreplicate work on a primary
// secret in --region, promote on a replica in --region (the replica's own
// region). Their output is described in the package documentation
// (main.go).

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/secretstore-go/secretstore"
)

// statusFailed is the Status of a replica region that could not be
// replicated to.
const statusFailed = "Failed"

// regionsFlag is a list of region names given as comma-separated lists; the
// flag may be repeated, each use adding to the list. Empty items (a
// trailing comma) are dropped; the names themselves are checked by the
// store, which answers a ValidationException.
type regionsFlag []string

func (r *regionsFlag) String() string { return strings.Join(*r, ",") }

func (r *regionsFlag) Set(s string) error {
	for region := range strings.SplitSeq(s, ",") {
		if region = strings.TrimSpace(region); region != "" {
			*r = append(*r, region)
		}
	}
	return nil
}

func setupReplicate(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	var regions regionsFlag
	fs.Var(&regions, "regions", "the `REGIONS` to replicate to, comma-separated: eu-west-1,ap-south-1 (repeatable)")
	kmsKeyID := fs.String("kms-key-id", "", "encrypt the new replicas with KMS `KEY`, the same in all --regions (default aws/secretsmanager)")
	force := fs.Bool("force", false, "replace a standalone secret of the same name in a region (without it, that region is Failed)")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(regions) == 0 {
			return usageErrorf("replicate needs --regions: the regions to replicate to")
		}
		in := &secretstore.ReplicateSecretToRegionsInput{SecretId: args[0], ForceOverwriteReplicaSecret: *force}
		for _, region := range regions {
			in.AddReplicaRegions = append(in.AddReplicaRegions, secretstore.ReplicaRegionType{Region: region, KmsKeyId: *kmsKeyID})
		}
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := s.ReplicateSecretToRegions(ctx, in)
			if err != nil {
				return err
			}
			err = f.output(c.stdout, out, func(w io.Writer) error {
				return printReplicationStatus(w, out.ReplicationStatus)
			})
			if err != nil {
				return err
			}
			return replicationFailures(args[0], regions, out.ReplicationStatus, *force)
		})
	}
}

// replicationFailures returns an error naming the regions asked for that
// are Failed, if any: replicate exits with status 1 when it did not do
// all it was asked.
func replicationFailures(name string, asked []string, status []secretstore.ReplicationStatusType, force bool) error {
	var regions, reasons []string
	for _, st := range status {
		if st.Status == statusFailed && slices.Contains(asked, st.Region) {
			regions = append(regions, st.Region)
			reasons = append(reasons, "the replication to "+st.Region+" failed: "+st.StatusMessage)
		}
	}
	if len(regions) == 0 {
		return nil
	}
	msg := strings.Join(reasons, "; ") + ". A Failed region stays listed until \"secretstore unreplicate " + name +
		" --regions " + strings.Join(regions, ",") + "\" removes it"
	if !force {
		msg += "; then replicate with --force to replace a standalone secret there"
	}
	return errors.New(msg)
}

func setupUnreplicate(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	var regions regionsFlag
	fs.Var(&regions, "regions", "the `REGIONS` whose replicas to delete, comma-separated (repeatable); regions with no replica are ignored")
	return func(ctx context.Context, c *cli, args []string) error {
		if len(regions) == 0 {
			return usageErrorf("unreplicate needs --regions: the regions whose replicas are deleted")
		}
		in := &secretstore.RemoveRegionsFromReplicationInput{SecretId: args[0], RemoveReplicaRegions: regions}
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := s.RemoveRegionsFromReplication(ctx, in)
			if err != nil {
				return err
			}
			if out.ReplicationStatus == nil {
				out.ReplicationStatus = []secretstore.ReplicationStatusType{} // --json says so with an empty list
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				if len(out.ReplicationStatus) == 0 {
					_, err := fmt.Fprintf(w, "%s has no replicas left\n", args[0])
					return err
				}
				return printReplicationStatus(w, out.ReplicationStatus)
			})
		})
	}
}

func setupPromote(fs *flag.FlagSet) runFunc {
	var f clientFlags
	f.register(fs)
	return func(ctx context.Context, c *cli, args []string) error {
		return f.withStore(ctx, c, false, func(s *secretstore.Store) error {
			out, err := s.StopReplicationToReplica(ctx, &secretstore.StopReplicationToReplicaInput{SecretId: args[0]})
			if err != nil {
				return err
			}
			return f.output(c.stdout, out, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "%s is a standalone secret now, writable in %s; its former primary no longer replicates to it\n",
					out.ARN, s.RegionName())
				return err
			})
		})
	}
}

// printReplicationStatus prints one replica a line: region, status, status
// message.
func printReplicationStatus(w io.Writer, status []secretstore.ReplicationStatusType) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, st := range status {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", st.Region, st.Status, st.StatusMessage)
	}
	return tw.Flush()
}
