#!/usr/bin/perl
# SPDX-License-Identifier: GPL-3.0-or-later
# quotes.pl BUILD_DIR BPTT SCRATCH JOBS COVERAGE FILE... — the work of
# tests/quotes.sh (run that; its header describes the markers).
use strict;
use warnings;
# seconds with a fraction where Time::HiRes is there (the perl package; a
# minimal system has perl-base only), whole seconds otherwise
my $now = eval { require Time::HiRes; \&Time::HiRes::time } || sub { time };

my ($build, $bptt, $tmp, $jobs, $coverage, @files) = @ARGV;
# QUOTES_KERNELS: each command runs once under each of these OpenBLAS
# kernels (OPENBLAS_CORETYPE); none: once, in the inherited environment.
# QUOTES_PRIOR="P F": counts to add (tests/quotes.sh's self-test).
my @kernels = split ' ', ($ENV{QUOTES_KERNELS} // '');
@kernels = ('') unless @kernels;
my ($passed, $failed) = split(" ", $ENV{QUOTES_PRIOR} || "0 0");
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
			my ($cmd, $rest) = split /\s+\\?\|\s+/, $body, 2;
			$cmd =~ s/^\s+|\s+$//g if defined $cmd;
			my $tol;
			if (defined $rest && $rest =~ s/\s+\\?\|\s+(±\s*[0-9.]+%?|≤|<|>|text)\s*$//) { $tol = $1; }
			# a number, or with `| text` the words between the double
			# quotes just before the marker
			my ($written) = defined $tol && $tol eq 'text'
				? $before =~ /"([^"]+)"\)?\s*$/ : $before =~ /($num)\s*$/;
			$rest =~ s/^\s+|\s+$//g if defined $rest;
			if ($body =~ /--/) {
				bad("$where: a marker without two dashes in a row (name=value, +flag)",
				    "<!-- q:$body-->");
				next;
			}
			if (!defined $written || !defined $rest || $rest eq '' || $cmd eq '') {
				bad("$where: a marker with a number (or, with `| text`, quoted words) before it, a command and a pattern",
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

# run every distinct command once under each kernel, $jobs at a time:
# run $i.$k writes $tmp/$i.$k.out and .err
my %running;
my (%status, %seconds);
sub reap {
	my $pid = wait;
	return if $pid < 0;
	my $r = delete $running{$pid};
	return unless defined $r;
	$status{$r->[0]} = $? >> 8;
	$seconds{$r->[0]} = $now->() - $r->[1];
}
for my $i (0 .. $#cmds) {
	for my $k (0 .. $#kernels) {
		my $run = "$i.$k";
		reap() while keys %running >= $jobs;
		my @w = map { /^\+([a-z][a-z0-9-]*)$/ ? "--$1"
		              : /^([a-z][a-z0-9-]*)=(.*)$/ ? ("--$1", $2) : $_ } split ' ', $cmds[$i];
		my $prog = shift @w;
		if ($prog eq 'bptt') {
			unshift @w, $bptt;
		} elsif ($prog =~ /^\d\d_[a-z0-9_]+$/) {
			mkdir "$tmp/$run";
			@w = ("$build/lessons/$prog", @w, '--out', "$tmp/$run");
		} else {
			$status{$run} = -1;
			next;
		}
		my $pid = fork;
		die "fork: $!" unless defined $pid;
		if ($pid == 0) {
			$ENV{OPENBLAS_CORETYPE} = $kernels[$k] if $kernels[$k] ne '';
			open STDOUT, '>', "$tmp/$run.out" or die;
			open STDERR, '>', "$tmp/$run.err" or die;
			exec { $w[0] } @w or exit 127;
		}
		$running{$pid} = [$run, $now->()];
	}
}
reap() while keys %running;
if ($ENV{QUOTES_SHOW}) {
	for my $i (0 .. $#cmds) {
		for my $k (0 .. $#kernels) {
			next unless defined $seconds{"$i.$k"};
			printf "# %6.1f s  %s%s\n", $seconds{"$i.$k"}, $cmds[$i],
			       $kernels[$k] ne '' ? " ($kernels[$k])" : '';
		}
	}
}

# holds(QUOTE, PRINTED): the printed value agrees with the written one
sub holds {
	my ($q, $printed) = @_;
	my $t = $q->{tol};
	if (defined $t && $t eq 'text') {
		my ($w, $p) = map { my $x = $_; $x =~ s/\s+/ /g; $x } $q->{written}, $printed;
		return index($p, $w) >= 0;
	}
	my ($w, $p) = ($q->{written} + 0, $printed + 0);
	return abs($p) <= abs($w) if defined $t && $t eq '≤';
	return $p < $w if defined $t && $t eq '<';
	return $p > $w if defined $t && $t eq '>';
	if (defined $t) {
		$t =~ s/^±\s*//;
		my $lim = $t =~ s/%$// ? abs($w) * $t / 100 : $t;
		return abs($p - $w) <= $lim;
	}
	return $p == $w if $q->{written} !~ /[.eE]/;
	# half a unit of the last written digit, with room for the binary
	# representation of the two decimals
	my ($mant, $exp) = $q->{written} =~ /^-?([0-9.]+)(?:[eE]([-+]?\d+))?$/;
	my $dec = $mant =~ /\.(\d+)$/ ? length $1 : 0;
	my $half = 0.5 * 10 ** (($exp // 0) - $dec);
	return abs($p - $w) <= $half * (1 + 1e-9);
}

# check(QUOTE, RUN): undef if the quote holds in that run, else why not
sub check {
	my ($q, $run) = @_;
	if ($status{$run} != 0) {
		my $err = '';
		if (open my $e, '<', "$tmp/$run.err") { local $/; $err = <$e> // ''; }
		$err =~ s/\s+$//; $err = (split /\n/, $err)[-1] // '';
		return $status{$run} == -1 ? "not a lesson or bptt" : "exit $status{$run}: $err";
	}
	my $out = do { local $/; open my $o, '<', "$tmp/$run.out"; <$o> // '' };
	my ($printed) = $out =~ $q->{re};
	return "pattern '$q->{pat}' not found in the output" unless defined $printed;
	$printed =~ s/\x{e2}\x{88}\x{92}/-/;
	if (!defined $q->{tol} || $q->{tol} ne 'text') {
		if ($printed !~ /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/) {
			return "the pattern picked '$printed', not a number";
		}
	}
	print "# $q->{where}: written $q->{written}, printed $printed\n" if $ENV{QUOTES_SHOW};
	return undef if holds($q, $printed);
	(my $shown = $printed) =~ s/\s+/ /g;
	return "the run printed $shown" . (defined $q->{tol} ? " (allowed $q->{tol})" : "");
}

for my $q (@quotes) {
	my $i = $cmdid{$q->{cmd}};
	my $label = "$q->{where}: $q->{written} from '$q->{cmd}'";
	my @why;
	for my $k (0 .. $#kernels) {
		my $why = check($q, "$i.$k");
		next unless defined $why;
		push @why, $kernels[$k] ne '' ? "under $kernels[$k]: $why" : $why;
	}
	if (@why) { bad($label, join '; ', @why); } else { ok($label); }
}
print "quotes: $passed passed, $failed failed\n";
exit($failed ? 1 : 0);

