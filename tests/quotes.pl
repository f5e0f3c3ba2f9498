#!/usr/bin/perl
# SPDX-License-Identifier: GPL-3.0-or-later
# quotes.pl BUILD_DIR BPTT SCRATCH JOBS COVERAGE FILE... — the work of
# tests/quotes.sh (run that; its header describes the markers).
use strict;
use warnings;

my ($build, $bptt, $tmp, $jobs, $coverage, @files) = @ARGV;
my ($passed, $failed) = (0, 0);
sub ok  { print "ok - $_[0]\n"; $passed++; }
sub bad { print "not ok - $_[0]\n"; print "# $_[1]\n" if defined $_[1]; $failed++; }

# the guide answers every exercise: lessons/NN_name.md's numbered items
# under "## Exercises" against the "## Exercise N" headings of
# lessons/teacher/NN_name.md
if ($coverage) {
	for my $lesson (sort glob 'lessons/[0-9][0-9]_*.md') {
		(my $guide = $lesson) =~ s{^lessons/}{lessons/teacher/};
		my ($n, $in) = (0, 0);
		open my $fh, '<', $lesson or next;
		while (<$fh>) { $in = 1 if /^## Exercises/; $in = 0 if /^## / && !/^## Exercises/; $n++ if $in && /^\d+\. /; }
		close $fh;
		my %have;
		if (open my $g, '<', $guide) { while (<$g>) { $have{$1} = 1 if /^## Exercise (\d+)\b/; } close $g; }
		my @missing = grep { !$have{$_} } 1 .. $n;
		if (@missing) { bad("$guide answers the $n exercises of $lesson", "missing: @missing"); }
		else { ok("$guide answers the $n exercises of $lesson"); }
	}
}

# a number as written in the texts: optional minus (ASCII or U+2212),
# digits, an optional fraction and an optional exponent
my $num = qr/(?:-|\x{e2}\x{88}\x{92})?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/;

my (@quotes, %cmdid, @cmds);
for my $file (@files) {
	open my $fh, '<', $file or do { bad("$file: readable", "$!"); next };
	my $line = 0;
	while (my $text = <$fh>) {
		$line++;
		while ($text =~ /<!--\s*q:(.*?)-->/g) {
			my $body = $1;
			my $before = substr($text, 0, $-[0]);
			my $where = "$file:$line";
			my ($written) = $before =~ /($num)\s*$/;
			my ($cmd, $rest) = split /\s+\|\s+/, $body, 2;
			$cmd =~ s/^\s+|\s+$//g if defined $cmd;
			my $tol;
			if (defined $rest && $rest =~ s/\s+\|\s+(±\s*[0-9.]+%?|≤)\s*$//) { $tol = $1; }
			$rest =~ s/^\s+|\s+$//g if defined $rest;
			if ($body =~ /--/) {
				bad("$where: a marker without two dashes in a row (name=value, +flag)",
				    "<!-- q:$body-->");
				next;
			}
			if (!defined $written || !defined $rest || $rest eq '' || $cmd eq '') {
				bad("$where: a marker with a number before it, a command and a pattern",
				    "<!-- q:$body-->");
				next;
			}
			my $re = eval { qr/$rest/ };
			if (!$re || $rest !~ /\((?!\?)/) {
				bad("$where: pattern '$rest' is a regular expression with a group");
				next;
			}
			$written =~ s/\x{e2}\x{88}\x{92}/-/;
			if (!exists $cmdid{$cmd}) { $cmdid{$cmd} = scalar @cmds; push @cmds, $cmd; }
			push @quotes, { where => $where, written => $written, cmd => $cmd,
			                re => $re, pat => $rest, tol => $tol };
		}
	}
	close $fh;
}

# run every distinct command once, $jobs at a time
my %running;
my @status;
sub reap {
	my $pid = wait;
	return if $pid < 0;
	my $i = delete $running{$pid};
	$status[$i] = $? >> 8 if defined $i;
}
for my $i (0 .. $#cmds) {
	reap() while keys %running >= $jobs;
	my @w = map { /^\+([a-z][a-z0-9-]*)$/ ? "--$1"
	              : /^([a-z][a-z0-9-]*)=(.*)$/ ? ("--$1", $2) : $_ } split ' ', $cmds[$i];
	my $prog = shift @w;
	if ($prog eq 'bptt') {
		unshift @w, $bptt;
	} elsif ($prog =~ /^\d\d_[a-z_]+$/) {
		mkdir "$tmp/$i";
		@w = ("$build/lessons/$prog", @w, '--out', "$tmp/$i");
	} else {
		$status[$i] = -1;
		next;
	}
	my $pid = fork;
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		open STDOUT, '>', "$tmp/$i.out" or die;
		open STDERR, '>', "$tmp/$i.err" or die;
		exec { $w[0] } @w or exit 127;
	}
	$running{$pid} = $i;
}
reap() while keys %running;

for my $q (@quotes) {
	my $i = $cmdid{$q->{cmd}};
	my $label = "$q->{where}: $q->{written} from '$q->{cmd}'";
	if ($status[$i] != 0) {
		my $err = '';
		if (open my $e, '<', "$tmp/$i.err") { local $/; $err = <$e> // ''; }
		$err =~ s/\s+$//; $err = (split /\n/, $err)[-1] // '';
		bad($label, $status[$i] == -1 ? "not a lesson or bptt" : "exit $status[$i]: $err");
		next;
	}
	my $out = do { local $/; open my $o, '<', "$tmp/$i.out"; <$o> // '' };
	my ($printed) = $out =~ $q->{re};
	if (!defined $printed) { bad($label, "pattern '$q->{pat}' not found in the output"); next; }
	$printed =~ s/\x{e2}\x{88}\x{92}/-/;
	if ($printed !~ /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/) {
		bad($label, "the pattern picked '$printed', not a number"); next;
	}
	my ($w, $p) = ($q->{written} + 0, $printed + 0);
	my $good;
	if (defined $q->{tol} && $q->{tol} eq '≤') {
		$good = abs($p) <= abs($w);
	} elsif (defined $q->{tol}) {
		my $t = $q->{tol};
		$t =~ s/^±\s*//;
		my $lim = $t =~ s/%$// ? abs($w) * $t / 100 : $t;
		$good = abs($p - $w) <= $lim;
	} elsif ($q->{written} !~ /[.eE]/) {
		$good = $p == $w;
	} else {
		# half a unit of the last written digit, with room for the
		# binary representation of the two decimals
		my ($mant, $exp) = $q->{written} =~ /^-?([0-9.]+)(?:[eE]([-+]?\d+))?$/;
		my $dec = $mant =~ /\.(\d+)$/ ? length $1 : 0;
		my $half = 0.5 * 10 ** (($exp // 0) - $dec);
		$good = abs($p - $w) <= $half * (1 + 1e-9);
	}
	print "# $q->{where}: written $q->{written}, printed $printed\n" if $ENV{QUOTES_SHOW};
	if ($good) { ok($label); }
	else { bad($label, "the run printed $printed" . (defined $q->{tol} ? " (allowed $q->{tol})" : "")); }
}
print "quotes: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);
